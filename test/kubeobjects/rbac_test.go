package kubeobjects_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
)

// rbacManifest is the ServiceAccount and ClusterRole the DaemonSet runs with.
var rbacManifest = filepath.Join("..", "..", "deployment", "base", "rbac.yaml")

var (
	periscopeOnce       sync.Once
	periscopeKubeconfig string
	periscopeErr        error
)

// periscopeIdentity applies rbac.yaml with kubectl and returns a kubeconfig
// holding a token of aks-periscope-service-account.
func periscopeIdentity(t *testing.T) string {
	t.Helper()
	c := cluster(t)
	periscopeOnce.Do(func() {
		ctx := context.Background()
		if periscopeErr = c.CreateNamespace(ctx, "aks-periscope"); periscopeErr != nil {
			return
		}
		if _, periscopeErr = c.Kubectl(ctx, "apply", "-f", rbacManifest); periscopeErr != nil {
			return
		}
		cfg, err := c.ServiceAccountConfig(ctx, "aks-periscope", "aks-periscope-service-account")
		if err != nil {
			periscopeErr = err
			return
		}
		periscopeKubeconfig, periscopeErr = c.WriteKubeconfig("aks-periscope", cfg)
	})
	require.NoError(t, periscopeErr)
	return periscopeKubeconfig
}

// With the shipped role, the default list's types are described exactly as
// with cluster-admin: nothing the describers read (events, replica sets,
// endpoint slices) is silently missing.
func TestShippedRoleDescribesTheDefaultTypesFully(t *testing.T) {
	c := cluster(t)
	entries := []string{"shop/pod", "shop/service", "shop/deployment", "no-such-ns/pod"}
	asPeriscope := collect(t, periscopeIdentity(t), entries...)
	asAdmin := collect(t, c.AdminKubeconfig, entries...)

	require.ElementsMatch(t, keys(asAdmin), keys(asPeriscope))
	for key, want := range asAdmin {
		got := asPeriscope[key]
		assert.Equal(t, want.kind, got.kind, key)
		assert.Equal(t, normalizeAges(want.body), normalizeAges(got.body), key)
	}
	// The comparison covers the extra reads.
	assert.Contains(t, asPeriscope["shop_deployment_web"].body, "web-5d4f8c")
	assert.Contains(t, asPeriscope["shop_service_web"].body, "10.244.0.7:8080")
	assert.Contains(t, asPeriscope["shop_pod_web-1"].body, "Back-off pulling image")
}

// A type the role lacks is an error record naming the entry and the
// refused request; the other entries are collected.
func TestForbiddenTypeIsAnErrorRecord(t *testing.T) {
	got := collect(t, periscopeIdentity(t), "shop/secret", "shop/configmap/anything", "shop/pod/web-1")

	secret := got["shop_secret"]
	assert.Equal(t, layout.KindError, secret.kind)
	assert.Contains(t, secret.body, "shop/secret: forbidden: list secrets in namespace shop: ")
	assert.Contains(t, secret.body, `User "system:serviceaccount:aks-periscope:aks-periscope-service-account" cannot list resource "secrets"`)

	cm := got["shop_configmap_anything"]
	assert.Equal(t, layout.KindError, cm.kind)
	assert.Contains(t, cm.body, "shop/configmap/anything: forbidden: describe configmap anything in namespace shop: ")

	assert.Equal(t, layout.KindDocument, got["shop_pod_web-1"].kind)
	assert.Len(t, got, 3)
}
