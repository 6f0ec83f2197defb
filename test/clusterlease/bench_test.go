package clusterlease_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// BenchmarkAcquireComplete is the coordination cost of one cluster-scoped
// component on an uncontended lease: elect (the lease was let go by the
// previous iteration), read the record, record the completion, let go.
//
//	go test -run '^$' -bench AcquireComplete -benchtime 200x ./test/clusterlease/
func BenchmarkAcquireComplete(b *testing.B) {
	c := kubeapi.Shared(b)
	ctx := context.Background()
	require.NoError(b, c.CreateNamespace(ctx, "bench-lease"))
	cfg := clusterlease.DefaultConfig()
	cfg.Namespace = "bench-lease"
	cfg.LeaseDuration, cfg.RenewDeadline, cfg.RetryPeriod = 2*time.Second, time.Second, 100*time.Millisecond
	cfg.Identity = "bench"
	co, err := clusterlease.NewForConfig(cfg, c.Admin, "2026-11-29T04-00-00Z", zapNop())
	require.NoError(b, err)
	defer co.Shutdown()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		turn, err := co.Acquire(ctx, component.MustNewIDWithName("bench", strconv.Itoa(i)))
		if err != nil {
			b.Fatal(err)
		}
		if err := turn.Complete(); err != nil {
			b.Fatal(err)
		}
	}
}
