package helmpdb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
)

// allText is every body and attribute value of logs, for leak checks.
func allText(t *testing.T, logs plog.Logs) string {
	t.Helper()
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
	require.NoError(t, err)
	return string(b)
}

// The releases on the server become Periscope's helm_list table and a
// history per release; the corrupt Secret is an error record naming
// namespace/secret; values, manifests, hooks and notes never appear; the
// decoys the selectors exclude are not read.
func TestHelmReleases(t *testing.T) {
	c := cluster(t)
	logs := collectHelm(t, c.AdminKubeconfig)
	compareGolden(t, logs, "golden-helm.json")

	// The fixture really carries the password where Helm would: the server
	// hands it to anyone who can list the Secret.
	raw, err := c.Kubectl(context.Background(), "get", "secret", "-n", nsShop, "sh.helm.release.v1.shop-db.v2", "-o", "jsonpath={.data.release}")
	require.NoError(t, err)
	require.Contains(t, string(decodeForTest(t, raw)), fakePassword)

	text := allText(t, logs)
	assert.NotContains(t, text, fakePassword)
	assert.NotContains(t, text, "decoy", "the selectors let only Helm's release Secrets through")

	got := byKind(t, logs)
	assert.ElementsMatch(t, []string{"helm_list", "helm_history_shop_shop-db", "helm_history_platform_ingress", "helm_history_shop_broken"}, keysOf(got))
	for _, r := range records(t, logs) {
		assert.Equal(t, "helm", r.collector)
	}
	assert.Equal(t, "NAME     NAMESPACE  REVISION  UPDATED                          STATUS    CHART                 APP VERSION\n"+
		"broken   shop       1         <unreadable>                     deployed  <unreadable>          \n"+
		"ingress  platform   1         2026-01-03 03:04:05 +0000 UTC    failed    ingress-nginx-4.11.2  1.11.2\n"+
		"shop-db  shop       2         2026-01-05 03:04:06.5 +0000 UTC  deployed  postgresql-15.5.2     16.3.0\n",
		got["helm_list"][layout.KindDocument])

	assert.Equal(t, "shop/sh.helm.release.v1.broken.v1: decode Helm release: gzip: unexpected EOF", got["helm_history_shop_broken"][layout.KindError])

	var h struct {
		Name, Namespace, Status, Chart, ChartVersion string
		Revision                                     int
		History                                      []struct {
			Revision int
			Status   string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(got["helm_history_shop_shop-db"][layout.KindDocument]), &h))
	assert.Equal(t, "shop-db", h.Name)
	assert.Equal(t, 2, h.Revision)
	assert.Equal(t, "15.5.2", h.ChartVersion)
	require.Len(t, h.History, 2)
	assert.Equal(t, "superseded", h.History[0].Status)
}

// With namespaces configured, only those are searched, one list each.
func TestHelmReleasesInConfiguredNamespaces(t *testing.T) {
	c := cluster(t)
	got := byKind(t, collectHelm(t, c.AdminKubeconfig, nsPlatform, nsEmpty))
	assert.ElementsMatch(t, []string{"helm_list", "helm_history_platform_ingress"}, keysOf(got))
	table := got["helm_list"][layout.KindDocument]
	assert.Equal(t, 2, strings.Count(table, "\n"), "header and ingress: %s", table)
}
