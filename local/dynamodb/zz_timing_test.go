package dynamodb_test

import (
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/local/dynamodb"
)

func TestZZTiming(t *testing.T) {
	srv := start(t, dynamodb.Options{Dir: t.TempDir()})
	createTable(t, srv.client, "tim", true, "")
	t0 := time.Now()
	for i := range 100 {
		put(t, srv.client, "tim", item("p", i))
	}
	t.Logf("100 serial durable puts: %v", time.Since(t0)/100)
	t0 = time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				put(t, srv.client, "tim", item("w", w*1000+i))
			}
		}()
	}
	wg.Wait()
	t.Logf("400 parallel durable puts: %v each", time.Since(t0)/400)
}
