package coredns

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/kubeapi"
)

// Both ConfigMaps present: each is one document holding every data key,
// the Corefile readable as written, the Azure plugin's client secret
// redacted; the node's resolv.conf is collected beside them.
func TestBothConfigMapsAreDocuments(t *testing.T) {
	c := kubeapi.Shared(t)
	setConfigMap(t, c, "coredns", fixtureData(t, "fixture-coredns"))
	setConfigMap(t, c, "coredns-custom", fixtureData(t, "fixture-coredns-custom"))

	logs := collect(t, c.AdminKubeconfig)
	got := byKey(t, logs)
	require.Len(t, got, 3, "virtualmachine, coredns, coredns-custom")
	assert.Equal(t, "document", got["virtualmachine"].kind, got["virtualmachine"].body)
	assert.Equal(t, "document", got["coredns"].kind)
	assert.Contains(t, got["coredns"].body, "data:\n  Corefile: |\n    .:53 {\n        errors\n")
	custom := got["coredns-custom"]
	assert.Equal(t, "document", custom.kind)
	assert.Equal(t, []any{"example.server", "log.override", "privatezone.server"}, custom.attrs["periscope.coredns.keys"])
	assert.Contains(t, custom.body, "secret REDACTED\n")
	assert.NotContains(t, custom.body, "fixture-client-secret-value")
	assert.Equal(t, int64(1), custom.attrs["periscope.coredns.redacted"])
	assertGolden(t, logs, "golden-both.json")
}

// coredns-custom usually does not exist (AKS creates it only on request;
// other clusters never): that item alone is a "not found" error record.
func TestAbsentConfigMapIsANotFoundErrorForItsKeyOnly(t *testing.T) {
	c := kubeapi.Shared(t)
	setConfigMap(t, c, "coredns", fixtureData(t, "fixture-coredns"))
	setConfigMap(t, c, "coredns-custom", nil)

	logs := collect(t, c.AdminKubeconfig)
	got := byKey(t, logs)
	assert.Equal(t, "document", got["coredns"].kind)
	assert.Equal(t, "error", got["coredns-custom"].kind)
	assert.Equal(t, `not found: get configmaps kube-system/coredns-custom: configmaps "coredns-custom" not found`, got["coredns-custom"].body)
	assertGolden(t, logs, "golden-custom-absent.json")
}

// The DaemonSet's ServiceAccount, bound by the shipped manifests
// (kubectl apply -k deployment/base, as the clients deploy it) and nothing
// else, reads both ConfigMaps exactly as cluster-admin does.
func TestShippedRBACReadsBothConfigMaps(t *testing.T) {
	c := kubeapi.Shared(t)
	setConfigMap(t, c, "coredns", fixtureData(t, "fixture-coredns"))
	setConfigMap(t, c, "coredns-custom", fixtureData(t, "fixture-coredns-custom"))

	asPeriscope := byKey(t, collect(t, periscopeIdentity(t, c)))
	asAdmin := byKey(t, collect(t, c.AdminKubeconfig))
	for _, key := range []string{"coredns", "coredns-custom"} {
		assert.Equal(t, "document", asPeriscope[key].kind, asPeriscope[key].body)
		assert.Equal(t, asAdmin[key].body, asPeriscope[key].body, key)
	}
}

// A ServiceAccount without the shipped binding is refused: each item says
// which request was forbidden, and the node part is still collected.
func TestForbiddenIsAnErrorRecordPerConfigMap(t *testing.T) {
	c := kubeapi.Shared(t)
	ctx := context.Background()
	setConfigMap(t, c, "coredns", fixtureData(t, "fixture-coredns"))
	require.NoError(t, c.CreateNamespace(ctx, "unbound"))
	cfg, err := c.ServiceAccountConfig(ctx, "unbound", "default")
	require.NoError(t, err)
	kubeconfig, err := c.WriteKubeconfig("unbound", cfg)
	require.NoError(t, err)

	got := byKey(t, collect(t, kubeconfig))
	assert.Equal(t, "document", got["virtualmachine"].kind)
	for _, key := range []string{"coredns", "coredns-custom"} {
		rec := got[key]
		assert.Equal(t, "error", rec.kind)
		assert.True(t, strings.HasPrefix(rec.body, "forbidden: get configmaps kube-system/"+key+": "), rec.body)
		assert.Contains(t, rec.body, `User "system:serviceaccount:unbound:default" cannot get resource "configmaps"`)
	}
}

// periscopeIdentity applies the shipped kustomization and returns a
// kubeconfig holding a token of aks-periscope-service-account.
func periscopeIdentity(t *testing.T, c *kubeapi.Cluster) string {
	t.Helper()
	ctx := context.Background()
	out, err := c.Kubectl(ctx, "apply", "-k", "../../deployment/base")
	require.NoError(t, err, "%s", out)
	cfg, err := c.ServiceAccountConfig(ctx, "aks-periscope", "aks-periscope-service-account")
	require.NoError(t, err)
	kubeconfig, err := c.WriteKubeconfig("aks-periscope", cfg)
	require.NoError(t, err)
	return kubeconfig
}
