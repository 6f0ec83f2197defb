package clusterlease_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

var (
	kubeObjects = component.MustNewID("kube_objects")
	systemPerf  = component.MustNewID("systemperf")
)

const run1, run2 = "2026-11-29T02-00-00Z", "2026-11-29T03-00-00Z"

// Two collectors, one run: one collects, the other waits and then learns
// that the component was delivered, by whom.
func TestOneCollectorCollectsAComponentPerRun(t *testing.T) {
	c := kubeapi.Shared(t)
	cfg := fastConfig(t, c)
	a := newCandidate(t, c.Admin, cfg, "node-a", run1)
	b := newCandidate(t, c.Admin, cfg, "node-b", run1)
	ctx := context.Background()

	first := wait(t, acquireAsync(ctx, a.Coordinator, kubeObjects), 30*time.Second)
	require.NoError(t, first.err)
	require.True(t, first.turn.Leading())

	second := acquireAsync(ctx, b.Coordinator, kubeObjects)
	assert.True(t, pending(second, 3*cfg.LeaseDuration), "b waits while a holds the turn, longer than a lease")

	require.NoError(t, first.turn.Complete())
	got := wait(t, second, 10*time.Second)
	require.ErrorIs(t, got.err, runcontrol.ErrCollectedElsewhere)
	assert.Contains(t, got.err.Error(), "kube_objects by "+a.Identity())

	lease, err := c.Client().CoordinationV1().Leases(cfg.Namespace).Get(ctx, cfg.Name, metav1.GetOptions{})
	require.NoError(t, err)
	assert.JSONEq(t, `[{"run_id":"`+run1+`","collected":{"kube_objects":"`+a.Identity()+`"}}]`, lease.Annotations[clusterlease.AnnotationCompleted])
}

// A leader that dies mid-collection (no renewal, no release) is replaced
// within the run once its lease expires; what it had completed before it
// died is not collected again.
func TestTakeoverAfterTheLeaderDies(t *testing.T) {
	c := kubeapi.Shared(t)
	cfg := fastConfig(t, c)
	a := newCandidate(t, c.Admin, cfg, "node-a", run1)
	b := newCandidate(t, c.Admin, cfg, "node-b", run1)
	ctx := context.Background()

	ko := wait(t, acquireAsync(ctx, a.Coordinator, kubeObjects), 30*time.Second)
	require.NoError(t, ko.err)
	sp := wait(t, acquireAsync(ctx, a.Coordinator, systemPerf), 10*time.Second)
	require.NoError(t, sp.err)
	require.NoError(t, ko.turn.Complete())

	bKO := acquireAsync(ctx, b.Coordinator, kubeObjects)
	bSP := acquireAsync(ctx, b.Coordinator, systemPerf)
	assert.True(t, pending(bSP, 2*cfg.LeaseDuration), "a still leads and renews")

	a.cut.Store(true) // a dies holding systemperf's turn
	died := time.Now()
	got := wait(t, bSP, 6*cfg.LeaseDuration)
	require.NoError(t, got.err)
	assert.Less(t, time.Since(died), 3*cfg.LeaseDuration, "taken over about one lease duration after a's last renewal")
	assert.True(t, got.turn.Leading())
	require.NoError(t, got.turn.Complete())

	gotKO := wait(t, bKO, 10*time.Second)
	require.ErrorIs(t, gotKO.err, runcontrol.ErrCollectedElsewhere, "a delivered kube_objects before it died")
	assert.Contains(t, gotKO.err.Error(), a.Identity())
	assert.False(t, sp.turn.Leading(), "the dead leader noticed it lost the lease")
	sp.turn.Abandon(false)
}

// A new run ID is collected again, once.
func TestANewRunCollectsAgain(t *testing.T) {
	c := kubeapi.Shared(t)
	cfg := fastConfig(t, c)
	ctx := context.Background()

	old := newCandidate(t, c.Admin, cfg, "node-a", run1)
	o := wait(t, acquireAsync(ctx, old.Coordinator, kubeObjects), 30*time.Second)
	require.NoError(t, o.err)
	require.NoError(t, o.turn.Complete())
	old.Shutdown()

	next := newCandidate(t, c.Admin, cfg, "node-b", run2)
	n := wait(t, acquireAsync(ctx, next.Coordinator, kubeObjects), 30*time.Second)
	require.NoError(t, n.err, "run2 is not run1")
	require.NoError(t, n.turn.Complete())

	// A collector restarted on run1 finds it done: the record keeps recent runs.
	again := newCandidate(t, c.Admin, cfg, "node-c", run1)
	_, err := again.Acquire(ctx, kubeObjects)
	require.ErrorIs(t, err, runcontrol.ErrCollectedElsewhere)
}

// A leader whose delivery failed lets go; another collector tries.
func TestAbandonedTurnGoesToAnotherCollector(t *testing.T) {
	c := kubeapi.Shared(t)
	cfg := fastConfig(t, c)
	a := newCandidate(t, c.Admin, cfg, "node-a", run1)
	b := newCandidate(t, c.Admin, cfg, "node-b", run1)
	ctx := context.Background()

	first := wait(t, acquireAsync(ctx, a.Coordinator, kubeObjects), 30*time.Second)
	require.NoError(t, first.err)
	second := acquireAsync(ctx, b.Coordinator, kubeObjects)
	first.turn.Abandon(true)
	got := wait(t, second, cfg.LeaseDuration) // released: no expiry to wait for
	require.NoError(t, got.err)
	require.NoError(t, got.turn.Complete())
}

func TestWithoutKubernetesNothingIsCoordinated(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", "")
	cfg := clusterlease.DefaultConfig()
	_, err := clusterlease.New(cfg, run1, zapNop())
	require.ErrorIs(t, err, runcontrol.ErrNotCoordinated)
	assert.ErrorContains(t, err, "no Kubernetes API server")

	cfg.Lease = clusterlease.LeaseOff
	_, err = clusterlease.New(cfg, run1, zapNop())
	require.ErrorIs(t, err, runcontrol.ErrNotCoordinated)
	assert.ErrorContains(t, err, "lease is off")
}

func TestUnreachableAPIServerFallsBackToLocalCollection(t *testing.T) {
	cfg := clusterlease.DefaultConfig()
	cfg.LeaseDuration, cfg.RenewDeadline, cfg.RetryPeriod = time.Second, 500*time.Millisecond, 100*time.Millisecond
	// A closed port on 127.0.0.1: connections are refused.
	co := newCandidate(t, &restConfigFor127, cfg, "node-a", run1)
	start := time.Now()
	_, err := co.Acquire(context.Background(), kubeObjects)
	require.ErrorIs(t, err, runcontrol.ErrNotCoordinated)
	assert.ErrorContains(t, err, "unreadable for 2s")
	assert.GreaterOrEqual(t, time.Since(start), 2*cfg.LeaseDuration)
}
