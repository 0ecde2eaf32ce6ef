// Command shopgraph runs the shopgraph GraphQL BFF and its operator tasks:
// serve, tables create, seed, schema, token and apikey (see usage below, or
// `go run ./cmd/shopgraph help`). It reads settings from the environment,
// builds the application through the composition root (package app) and
// exits 0 after a clean shutdown on SIGINT or SIGTERM, 2 on a usage error and
// 1 on any other failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, new(usageError)), errors.As(err, new(invalidInput)):
		fmt.Fprintln(os.Stderr, "shopgraph:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "shopgraph:", err)
		os.Exit(1)
	}
}

// cli is how the README, the help and the logs spell the command: it works
// from a fresh clone, with nothing built or installed (`make build` gives
// bin/shopgraph, the same program).
const cli = "go run ./cmd/shopgraph"

// usageError is a command-line mistake (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg + " (see " + cli + " --help)" }

// invalidInput is a well-formed command whose input the domain rejects, such
// as an unknown scope (exit status 2, no help hint).
type invalidInput struct{ msg string }

func (e invalidInput) Error() string { return e.msg }

const usage = `shopgraph is a GraphQL backend-for-frontend for stores on AWS, wire-compatible with AWS AppSync.

Usage (from a clone; after make build, bin/shopgraph is the same program):
  go run ./cmd/shopgraph serve [--addr ADDR] [--reseed]
        start the API; with no AWS settings (or SHOPGRAPH_MODE=embedded, as make run sets)
        it runs the embedded default: in-process DynamoDB kept in SHOPGRAPH_DATA_DIR,
        catalog seeded on first start (--reseed: start over), playground
  go run ./cmd/shopgraph tables create
        create the DynamoDB tables on the configured endpoint (idempotent)
  go run ./cmd/shopgraph seed [--products N]
        load the generated demo catalog into the configured DynamoDB
  go run ./cmd/shopgraph schema [--appsync]
        print the GraphQL schema (--appsync: the SDL to deploy to AppSync)
  go run ./cmd/shopgraph token [--user NAME]
        print a dev user's token that a running embedded server accepts
        (run it with the same SHOPGRAPH_STATE_DIR / working directory)
  go run ./cmd/shopgraph apikey create|list|revoke
        manage partner API keys in the configured DynamoDB, or the running
        embedded server's (found through SHOPGRAPH_STATE_DIR, as for token)
  go run ./cmd/shopgraph help
        show this help

Run "go run ./cmd/shopgraph COMMAND --help" for a command's flags.`

// run is the whole program: main only adds the process environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"missing command"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		fs := flag.NewFlagSet("shopgraph", flag.ContinueOnError)
		fs.SetOutput(stdout)
		settingsUsage(fs)
		return nil
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "tables":
		return runTables(ctx, rest, getenv, stdout, stderr)
	case "seed":
		return runSeed(ctx, rest, getenv, stdout, stderr)
	case "schema":
		return runSchema(rest, stdout, stderr)
	case "token":
		return runToken(rest, getenv, stdout, stderr)
	case "apikey":
		return runAPIKey(ctx, rest, getenv, stdout, stderr)
	default:
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

// newFlagSet returns a flag set whose --help prints the command's usage and
// the settings table.
func newFlagSet(name, synopsis string, stderr io.Writer, withSettings bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s %s\n\nFlags:\n", cli, synopsis)
		fs.PrintDefaults()
		if withSettings {
			settingsUsage(fs)
		}
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// parseWithOneArg parses flags around exactly one positional argument
// (flags may come before or after it) and returns the argument.
func parseWithOneArg(fs *flag.FlagSet, args []string, name string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", usageError{err.Error()}
	}
	if fs.NArg() == 0 {
		return "", usageError{"missing " + name}
	}
	arg := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return "", err
	}
	return arg, nil
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
