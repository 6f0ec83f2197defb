package kubeobjects_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

func normalizeAges(s string) string { return kubeapi.MaskEventAges(s) }

// Each object's item is what the built kubectl v1.37 prints for
// `kubectl describe TYPE NAME -n NS` on the same server.
func TestDescribeEqualsKubectl(t *testing.T) {
	c := cluster(t)
	// Type entries (answered from one list per entry and one event list per
	// namespace) and a named entry (the describer's own requests).
	got := collect(t, c.AdminKubeconfig, "shop/deploy", "shop/svc", "shop/secret", "shop/pdb", "shop/pod", "shop/po/web-2")
	delete(got, "shop_pod_creds") // redacted, compared in TestCredentialsAreRedacted

	tests := []struct{ key, kubectlType, name string }{
		{"shop_deploy_web", "deployment", "web"},
		{"shop_svc_web", "service", "web"},
		{"shop_secret_db", "secret", "db"},
		{"shop_pdb_web-pdb", "poddisruptionbudget", "web-pdb"},
		{"shop_pod_web-1", "pod", "web-1"},
		{"shop_pod_web-2", "pod", "web-2"},
		{"shop_po_web-2", "pods", "web-2"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			rec, ok := got[tt.key]
			require.True(t, ok, "no item %s among %v", tt.key, keys(got))
			require.Equal(t, layout.KindDocument, rec.kind, rec.body)
			want, err := c.Kubectl(context.Background(), "describe", tt.kubectlType, tt.name, "-n", nsShop)
			require.NoError(t, err)
			assert.Equal(t, normalizeAges(string(want)), normalizeAges(rec.body))
			assert.Equal(t, nsShop, rec.attrs[attrNamespace])
			assert.Equal(t, tt.name, rec.attrs[attrName])
		})
	}
	// The items are not trivially equal: events are in them.
	assert.Contains(t, got["shop_pod_web-1"].body, "Back-off pulling image")
	assert.Contains(t, got["shop_deploy_web"].body, "ScalingReplicaSet")
	assert.Len(t, got, len(tests), "one record per object, nothing else: %v", keys(got))
}

// A type entry describes every object of the type, one item each, keyed
// with the type as written.
func TestEntryWithoutNameDescribesEveryObject(t *testing.T) {
	c := cluster(t)
	got := collect(t, c.AdminKubeconfig, "shop/pod")
	assert.ElementsMatch(t, []string{"shop_pod_creds", "shop_pod_web-1", "shop_pod_web-2"}, keys(got))
	for key, rec := range got {
		assert.Equal(t, layout.KindDocument, rec.kind, key)
		assert.Equal(t, "shop/pod", rec.entry)
		assert.Equal(t, "Pod", rec.attrs[attrKind])
	}
}

// Secret data stays in the cluster (sizes only), and credentials in
// environment values are redacted, while kubectl shows them.
func TestCredentialsAreRedacted(t *testing.T) {
	c := cluster(t)
	got := collect(t, c.AdminKubeconfig, "shop/pod/creds", "shop/secret/db")
	pod := got["shop_pod_creds"].body
	secret := got["shop_secret_db"].body
	require.NotEmpty(t, pod)
	require.NotEmpty(t, secret)

	kubectlPod, err := c.Kubectl(context.Background(), "describe", "pod", "creds", "-n", nsShop)
	require.NoError(t, err)
	for _, p := range plantedCredentials {
		for _, credential := range p.secret {
			assert.Contains(t, string(kubectlPod), credential, "kubectl shows %s, so the check below means something", p.env)
			assert.NotContains(t, pod, credential, "%s leaked", p.env)
		}
	}
	assert.NotContains(t, secret, "s3cr3t-secret-data")
	assert.Contains(t, secret, "password:  18 bytes")

	// Everything else is as kubectl prints it: only the credential lines differ.
	wantLines := strings.Split(normalizeAges(string(kubectlPod)), "\n")
	gotLines := strings.Split(normalizeAges(pod), "\n")
	require.Len(t, gotLines, len(wantLines))
	var changed []string
	for i := range wantLines {
		if wantLines[i] != gotLines[i] {
			assert.Contains(t, gotLines[i], redacted)
			changed = append(changed, strings.Fields(wantLines[i])[0])
		}
	}
	assert.Equal(t, []string{"API_TOKEN:", "DB_PASSWORD:", "second-line-pw", "STORAGE_SAS_URL:", "INNOCENT_NAME:", "BLOB_CONNECTION:", "AZURE_CLIENT_SECRET:"}, changed)
	assert.Contains(t, pod, "GREETING:             hello")
	assert.Contains(t, pod, "<set to the key 'password' in secret 'db'>")
}

// Describing the objects of a type entry asks the API server for one list
// of them and one list of their namespace's events, not a get and an event
// search per object (the API server's own request counters say so).
func TestTypeEntryCostsListsNotPerObjectRequests(t *testing.T) {
	c := cluster(t)
	before := requestCounts(t, c)
	got := collect(t, c.AdminKubeconfig, "shop/pod", "shop/deploy")
	after := requestCounts(t, c)
	require.Len(t, got, 4)
	want := map[string]float64{
		"GET pods": 0, "LIST pods": 1,
		"GET deployments": 0, "LIST deployments": 1,
		"LIST events": 1, // both entries are in one namespace
	}
	for rv, n := range want {
		assert.Equal(t, n, after[rv]-before[rv], rv)
	}
}

var requestTotal = regexp.MustCompile(`^apiserver_request_total\{(.*)\} (\d+)$`)

// requestCounts sums apiserver_request_total by "VERB resource" (GET is
// scope "resource", LIST scope "namespace").
func requestCounts(t *testing.T, c *kubeapi.Cluster) map[string]float64 {
	t.Helper()
	out, err := c.Kubectl(context.Background(), "get", "--raw", "/metrics")
	require.NoError(t, err)
	counts := map[string]float64{}
	for _, line := range strings.Split(string(out), "\n") {
		m := requestTotal.FindStringSubmatch(line)
		if m == nil || !strings.Contains(m[1], `subresource=""`) {
			continue
		}
		labels := map[string]string{}
		for _, kv := range strings.Split(m[1], ",") {
			k, v, _ := strings.Cut(kv, "=")
			labels[k] = strings.Trim(v, `"`)
		}
		n, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		counts[labels["verb"]+" "+labels["resource"]] += n
	}
	return counts
}
