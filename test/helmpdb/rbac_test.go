package helmpdb_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
)

// The DaemonSet's RBAC: deployment/base, and the connected-cluster
// component on top of it for helm_releases.
var (
	deploymentDir = filepath.Join("..", "..", "deployment")
	baseRBAC      = filepath.Join(deploymentDir, "base", "rbac.yaml")
)

// connectedClusterOverlay writes an overlay of base plus the
// connected-cluster component, as a client would, and returns its folder.
func connectedClusterOverlay(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(deploymentDir)
	require.NoError(t, err)
	dir := t.TempDir()
	base, err := filepath.Rel(dir, filepath.Join(abs, "base"))
	require.NoError(t, err)
	comp, err := filepath.Rel(dir, filepath.Join(abs, "components", "connected-cluster"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(
		"resources:\n  - "+base+"\ncomponents:\n  - "+comp+"\n"+
			"configMapGenerator:\n  - name: diagnostic-config\n    behavior: merge\n    literals:\n      - COLLECTOR_LIST=connectedCluster\n"), 0o644))
	return dir
}

// One test, in order: the base role describes PDBs as cluster-admin does
// and is refused Secrets (a clear record, no crash); with the component
// applied, helm releases are collected as cluster-admin collects them.
func TestShippedRBAC(t *testing.T) {
	c := cluster(t)
	ctx := context.Background()
	require.NoError(t, c.CreateNamespace(ctx, "aks-periscope"))
	_, err := c.Kubectl(ctx, "apply", "-f", baseRBAC)
	require.NoError(t, err)
	cfg, err := c.ServiceAccountConfig(ctx, "aks-periscope", "aks-periscope-service-account")
	require.NoError(t, err)
	kubeconfig, err := c.WriteKubeconfig("aks-periscope", cfg)
	require.NoError(t, err)

	t.Run("base role: PDBs as cluster-admin sees them", func(t *testing.T) {
		asPeriscope := byKind(t, collectPDB(t, kubeconfig))
		asAdmin := byKind(t, collectPDB(t, c.AdminKubeconfig))
		require.ElementsMatch(t, keysOf(asAdmin), keysOf(asPeriscope))
		for key, want := range asAdmin {
			assert.Equal(t, normalizeAges(want[layout.KindDocument]), normalizeAges(asPeriscope[key][layout.KindDocument]), key)
		}
		assert.Contains(t, asPeriscope["pdb-shop"][layout.KindDocument], "No matching pods found", "events are readable")
	})

	t.Run("base role: no Secrets", func(t *testing.T) {
		got := byKind(t, collectHelm(t, kubeconfig))
		require.Equal(t, []string{"helm_list"}, keysOf(got))
		body := got["helm_list"][layout.KindError]
		assert.Contains(t, body, "forbidden: list secrets in all namespaces (owner=helm, type helm.sh/release.v1): ")
		assert.Contains(t, body, `User "system:serviceaccount:aks-periscope:aks-periscope-service-account" cannot list resource "secrets"`)
	})

	t.Run("connected-cluster component: helm releases", func(t *testing.T) {
		_, err := c.Kubectl(ctx, "apply", "-k", connectedClusterOverlay(t))
		require.NoError(t, err)
		cm, err := c.Kubectl(ctx, "get", "configmap", "-n", "aks-periscope", "diagnostic-config", "-o", "jsonpath={.data.COLLECTOR_LIST}")
		require.NoError(t, err)
		assert.Equal(t, "connectedCluster", string(cm))

		asAdmin := byKind(t, collectHelm(t, c.AdminKubeconfig))
		// RBAC changes reach the authorizer's cache within moments.
		var asPeriscope map[string]map[layout.Kind]string
		require.Eventually(t, func() bool {
			asPeriscope = byKind(t, collectHelm(t, kubeconfig))
			_, refused := asPeriscope["helm_list"][layout.KindError]
			return !refused
		}, 30*time.Second, 200*time.Millisecond)
		assert.Equal(t, asAdmin, asPeriscope)
	})
}
