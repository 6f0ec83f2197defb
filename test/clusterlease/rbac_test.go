package clusterlease_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// The shipped RBAC (deployment/base/rbac.yaml) is enough to coordinate,
// and no more: the ServiceAccount can use Periscope's Lease but not touch
// another one.
func TestShippedRoleCoordinatesWithTheLeaseOnly(t *testing.T) {
	c := kubeapi.Shared(t)
	ctx := context.Background()
	require.NoError(t, c.CreateNamespace(ctx, "aks-periscope"))
	resetLease(t, c, "aks-periscope")
	_, err := c.Kubectl(ctx, "apply", "-f", filepath.Join("..", "..", "deployment", "base", "rbac.yaml"))
	require.NoError(t, err)
	sa, err := c.ServiceAccountConfig(ctx, "aks-periscope", "aks-periscope-service-account")
	require.NoError(t, err)

	cfg := clusterlease.DefaultConfig() // aks-periscope/aks-periscope-cluster
	cfg.LeaseDuration, cfg.RenewDeadline, cfg.RetryPeriod = 2*time.Second, time.Second, 100*time.Millisecond
	a := newCandidate(t, sa, cfg, "node-a", run1)
	b := newCandidate(t, sa, cfg, "node-b", run1)
	got := wait(t, acquireAsync(ctx, a.Coordinator, kubeObjects), 30*time.Second)
	require.NoError(t, got.err, "create, get and update the Lease")
	require.NoError(t, got.turn.Complete(), "record the completion")
	_, err = b.Acquire(ctx, kubeObjects)
	require.ErrorIs(t, err, runcontrol.ErrCollectedElsewhere)

	client, err := kubernetes.NewForConfig(sa)
	require.NoError(t, err)
	leases := client.CoordinationV1().Leases("aks-periscope")
	_, err = leases.Get(ctx, "kube-controller-manager", metav1.GetOptions{})
	assert.True(t, apierrors.IsForbidden(err), "get another lease: %v", err)
	_, err = client.CoordinationV1().Leases("kube-system").Create(ctx,
		&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "aks-periscope-cluster"}}, metav1.CreateOptions{})
	assert.True(t, apierrors.IsForbidden(err), "create a lease outside aks-periscope: %v", err)
	_, err = leases.List(ctx, metav1.ListOptions{})
	assert.True(t, apierrors.IsForbidden(err), "list leases: %v", err)
}

// A collector whose identity may not use the Lease (RBAC not updated) is
// told so at once and collects on its node, as Periscope did.
func TestForbiddenLeaseFallsBackToLocalCollection(t *testing.T) {
	c := kubeapi.Shared(t)
	ctx := context.Background()
	require.NoError(t, c.CreateNamespace(ctx, "no-lease-rights"))
	sa, err := c.ServiceAccountConfig(ctx, "no-lease-rights", "default")
	require.NoError(t, err)
	cfg := clusterlease.DefaultConfig()
	cfg.Namespace = "no-lease-rights"
	co := newCandidate(t, sa, cfg, "node-a", run1)
	_, err = co.Acquire(ctx, kubeObjects)
	require.ErrorIs(t, err, runcontrol.ErrNotCoordinated)
	assert.ErrorContains(t, err, `cannot get resource "leases"`)
}

// A Lease namespace that does not exist (the RBAC manifest not applied) is
// reported at once, and the collector collects on its node.
func TestMissingNamespaceFallsBackToLocalCollection(t *testing.T) {
	c := kubeapi.Shared(t)
	cfg := clusterlease.DefaultConfig()
	cfg.Namespace = "no-such-namespace"
	co := newCandidate(t, c.Admin, cfg, "node-a", run1)
	start := time.Now()
	_, err := co.Acquire(context.Background(), kubeObjects)
	require.ErrorIs(t, err, runcontrol.ErrNotCoordinated)
	assert.ErrorContains(t, err, "namespace no-such-namespace does not exist")
	assert.Less(t, time.Since(start), cfg.LeaseDuration, "without waiting for the lease")
}
