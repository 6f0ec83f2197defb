package clusterlease_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// The first start of a cluster's collectors, all at once, without a Lease:
// they create it and elect one without a warning or an error — a create
// another collector won is part of an election, not a failure — and what
// client-go's election says arrives in the collector's log, not on stderr.
func TestFirstStartIsQuiet(t *testing.T) {
	c := kubeapi.Shared(t)
	cfg := fastConfig(t, c)
	core, logs := observer.New(zapcore.DebugLevel)
	var candidates []*clusterlease.Coordinator
	for _, node := range []string{"node-a", "node-b", "node-c"} {
		cfg := cfg
		cfg.Identity = node
		co, err := clusterlease.NewForConfig(cfg, c.Admin, run1, zap.New(core))
		require.NoError(t, err)
		t.Cleanup(co.Shutdown)
		candidates = append(candidates, co)
	}
	ctx := context.Background()
	var outcomes []<-chan outcome
	for _, co := range candidates {
		outcomes = append(outcomes, acquireAsync(ctx, co, kubeObjects))
	}
	leader := -1
	deadline := time.After(30 * time.Second)
	for leader < 0 {
		for i, ch := range outcomes {
			select {
			case o := <-ch:
				require.NoError(t, o.err)
				leader = i
			default:
			}
		}
		select {
		case <-deadline:
			t.Fatal("no collector acquired the turn within 30s")
		case <-time.After(20 * time.Millisecond):
		}
	}
	for _, co := range candidates {
		co.Shutdown()
	}
	for _, e := range logs.All() {
		assert.Less(t, e.Level, zapcore.WarnLevel, "%s %v", e.Message, e.ContextMap())
	}
	assert.Positive(t, logs.FilterField(zap.String("from", "client-go leader election")).Len(),
		"client-go's election logs into the collector's logger")
}

// One collector alone on a cluster without a Lease races nobody: it creates
// the Lease before its election starts, so the election never meets its
// own create ("already exists").
func TestLoneCollectorCreatesTheLeaseOnce(t *testing.T) {
	c := kubeapi.Shared(t)
	cfg := fastConfig(t, c)
	cfg.Identity = "node-a"
	core, logs := observer.New(zapcore.DebugLevel)
	co, err := clusterlease.NewForConfig(cfg, c.Admin, run1, zap.New(core))
	require.NoError(t, err)
	t.Cleanup(co.Shutdown)
	o := wait(t, acquireAsync(context.Background(), co, kubeObjects), 30*time.Second)
	require.NoError(t, o.err)
	co.Shutdown()
	for _, e := range logs.All() {
		assert.NotContains(t, e.Message, "another collector was first", "%v", e.ContextMap())
		assert.Less(t, e.Level, zapcore.WarnLevel, "%s %v", e.Message, e.ContextMap())
	}
}
