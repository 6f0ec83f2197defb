// Package clusterlease_test runs internal/clusterlease against a real API
// server (test/kubeapi): election, takeover, completion record, RBAC.
package clusterlease_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"k8s.io/client-go/rest"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// The package's tests share one real API server (test/kubeapi).
func TestMain(m *testing.M) { os.Exit(kubeapi.Main(m)) }

// fastConfig is short lease timing so a takeover happens within seconds;
// each test gets its own namespace, hence its own Lease.
func fastConfig(t *testing.T, c *kubeapi.Cluster) clusterlease.Config {
	t.Helper()
	ns := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(ns) > 50 {
		ns = ns[:50]
	}
	require.NoError(t, c.CreateNamespace(context.Background(), ns))
	resetLease(t, c, ns)
	cfg := clusterlease.DefaultConfig()
	cfg.Namespace = ns
	cfg.LeaseDuration = 2 * time.Second
	cfg.RenewDeadline = time.Second
	cfg.RetryPeriod = 100 * time.Millisecond
	return cfg
}

// resetLease deletes the namespace's Lease: its completion record would
// make a test repeated in this process (-count) find its runs collected.
func resetLease(t *testing.T, c *kubeapi.Cluster, ns string) {
	t.Helper()
	err := c.Client().CoordinationV1().Leases(ns).Delete(context.Background(), clusterlease.DefaultConfig().Name, metav1.DeleteOptions{})
	if !apierrors.IsNotFound(err) {
		require.NoError(t, err)
	}
}

// candidate is one collector's coordinator whose network can be cut, to
// play a collector that died (no renewal, no release).
type candidate struct {
	*clusterlease.Coordinator
	cut *atomic.Bool
}

func newCandidate(t *testing.T, rc *rest.Config, cfg clusterlease.Config, name, runID string) candidate {
	t.Helper()
	cut := new(atomic.Bool)
	rc = rest.CopyConfig(rc)
	rc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return cuttable{rt, cut} }
	cfg.Identity = name
	co, err := clusterlease.NewForConfig(cfg, rc, runID, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	require.NoError(t, err)
	t.Cleanup(co.Shutdown)
	return candidate{co, cut}
}

type cuttable struct {
	rt  http.RoundTripper
	cut *atomic.Bool
}

func (c cuttable) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.cut.Load() {
		return nil, errors.New("fixture: this collector is dead")
	}
	return c.rt.RoundTrip(r)
}

// outcome is what Acquire returned, delivered on a channel.
type outcome struct {
	turn runcontrol.ClusterTurn
	err  error
}

func acquireAsync(ctx context.Context, co *clusterlease.Coordinator, id component.ID) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		t, err := co.Acquire(ctx, id)
		ch <- outcome{t, err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan outcome, within time.Duration) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(within):
		t.Fatalf("Acquire did not return within %s", within)
		return outcome{}
	}
}

func pending(ch <-chan outcome, d time.Duration) bool {
	select {
	case <-ch:
		return false
	case <-time.After(d):
		return true
	}
}

// restConfigFor127 points at a port nothing listens on (port 1 on
// 127.0.0.1 needs root to bind).
var restConfigFor127 = rest.Config{Host: "http://127.0.0.1:1"}

func zapNop() *zap.Logger { return zap.NewNop() }
