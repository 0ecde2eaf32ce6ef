# shopgraph — `make run` starts the embedded default, `make test` runs every test.
GO        ?= go
PKGS      ?= ./...
BENCHTIME ?= 2s

.PHONY: run build generate check-generate test-deps test vet staticcheck bench clean help deploy-template

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: build ## start shopgraph on the embedded default (seeded DynamoDB in process, playground at /), whatever AWS settings are in the environment
	SHOPGRAPH_MODE=embedded bin/shopgraph serve

build: ## build bin/shopgraph
	$(GO) build -o bin/shopgraph ./cmd/shopgraph

generate: ## regenerate graph/ from schema/ with gqlgen (and internal/tools/seqlists)
	$(GO) tool gqlgen generate
	$(GO) run ./internal/tools/seqlists graph/generated.go

check-generate: ## fail when graph/ or the resolver stubs are stale
	@$(GO) tool gqlgen generate
	@$(GO) run ./internal/tools/seqlists graph/generated.go >/dev/null
	@if [ -n "$$(git status --porcelain -- graph resolvers)" ]; then \
		git status --porcelain -- graph resolvers; git --no-pager diff --stat -- graph resolvers; \
		echo "graph/ is stale: run 'make generate' and commit the result" >&2; exit 1; fi

deploy-template: ## regenerate deploy/shopgraph.yaml
	$(GO) run ./deploy/gen

test-deps: ## install what the tests need (DynamoDB Local, Chromium, npm packages); idempotent
	@bash scripts/test-deps.sh

vet: ## go vet
	$(GO) vet $(PKGS)

staticcheck: ## staticcheck (pinned as a tool in go.mod)
	$(GO) tool staticcheck $(PKGS)

test: test-deps check-generate vet staticcheck ## run every test (race detector on), and each benchmark once
	$(GO) test -race -count=1 -timeout 15m $(PKGS)
	@echo "benchmarks, one iteration each (they must keep working; figures come from make bench)"
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 5m ./bench/

bench: test-deps ## run the benchmarks and print their side-by-side ratio tables (loaders on/off, added latency, auth overhead)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 30m ./bench/

clean: ## remove build output and installed test dependencies
	rm -rf bin .cache
