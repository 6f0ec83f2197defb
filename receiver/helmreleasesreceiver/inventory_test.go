package helmreleasesreceiver

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/helmreleasesreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// fakePassword is in the values, manifest and hooks of every fixture
// release; it must never reach a record.
const fakePassword = "fake-pw-7f3a9c"

// releaseJSON is a release as Helm 3 stores it (members abridged), the
// credentials-bearing members included.
func releaseJSON(name, ns string, rev int, status, chart, chartVersion, appVersion string, at time.Time) string {
	return fmt.Sprintf(`{"name":%q,"namespace":%q,"version":%d,`+
		`"info":{"first_deployed":"2026-01-01T00:00:00Z","last_deployed":%q,"deleted":"","description":"Install complete","status":%q,"notes":"password %s"},`+
		`"chart":{"metadata":{"name":%q,"version":%q,"appVersion":%q},"templates":[],"values":{"password":%q}},`+
		`"config":{"auth":{"password":%q}},"manifest":"password: %s","hooks":[{"manifest":"password: %s"}]}`,
		name, ns, rev, at.Format(time.RFC3339Nano), status, fakePassword, chart, chartVersion, appVersion,
		fakePassword, fakePassword, fakePassword, fakePassword)
}

// helmSecret is the Secret Helm 3 writes for a revision: gzip, base64,
// its labels and type. gzipped false stores the JSON as Helm 3 betas did.
func helmSecret(tb testing.TB, ns, name string, rev int, status, js string, gzipped bool) *corev1.Secret {
	tb.Helper()
	payload := []byte(js)
	if gzipped {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, err := zw.Write(payload)
		require.NoError(tb, err)
		require.NoError(tb, zw.Close())
		payload = z.Bytes()
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns,
			Name:      fmt.Sprintf("sh.helm.release.v1.%s.v%d", name, rev),
			Labels:    map[string]string{"name": name, "owner": "helm", "status": status, "version": fmt.Sprint(rev)},
		},
		Type: "helm.sh/release.v1",
		Data: map[string][]byte{"release": []byte(base64.StdEncoding.EncodeToString(payload))},
	}
}

// fixtureSecrets are release Secrets as the API server would list them:
// a release with two revisions, an uncompressed failed install, a release
// whose latest revision is corrupt, and a Secret without payload or labels.
func fixtureSecrets(tb testing.TB) []*corev1.Secret {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	corrupt := helmSecret(tb, "default", "web", 2, "pending-upgrade", "", true)
	corrupt.Data["release"] = []byte(base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0x08, 0, 0, 0}))
	orphan := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "monitoring", Name: "sh.helm.release.v1.prom.v3"}, Type: "helm.sh/release.v1"}
	return []*corev1.Secret{
		helmSecret(tb, "shop", "shop-db", 2, "deployed", releaseJSON("shop-db", "shop", 2, "deployed", "postgresql", "15.5.2", "16.3.0", t0.Add(48*time.Hour)), true),
		helmSecret(tb, "shop", "shop-db", 1, "superseded", releaseJSON("shop-db", "shop", 1, "superseded", "postgresql", "15.5.0", "16.2.0", t0), true),
		helmSecret(tb, "kube-system", "ingress", 1, "failed", releaseJSON("ingress", "kube-system", 1, "failed", "ingress-nginx", "4.11.2", "1.11.2", t0.Add(time.Hour)), false),
		helmSecret(tb, "default", "web", 1, "deployed", releaseJSON("web", "default", 1, "deployed", "nginx", "18.1.0", "1.27.1", t0.Add(2*time.Hour)), true),
		corrupt,
		orphan,
	}
}

func renderGolden(t *testing.T, secrets []*corev1.Secret, golden string) plog.Logs {
	t.Helper()
	inv := newInventory()
	for _, s := range secrets {
		inv.add(s)
	}
	logs := plog.NewLogs()
	sl := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	inv.render(sl, fixedNow)

	got, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
	require.NoError(t, err)
	path := filepath.Join("testdata", golden)
	if *update {
		var pretty bytes.Buffer
		require.NoError(t, json.Indent(&pretty, got, "", "  "))
		require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
	assert.NotContains(t, string(got), fakePassword)
	return logs
}

func TestRenderReleases(t *testing.T) {
	logs := renderGolden(t, fixtureSecrets(t), "golden-releases.json")
	// Spelled out, so a golden file rewritten by mistake still fails here.
	byKey := bodies(logs)
	assert.Equal(t, `NAME     NAMESPACE    REVISION  UPDATED                        STATUS           CHART                 APP VERSION
ingress  kube-system  1         2026-11-20 09:00:00 +0000 UTC  failed           ingress-nginx-4.11.2  1.11.2
prom     monitoring   3         <unreadable>                                    <unreadable>          
shop-db  shop         2         2026-11-22 08:00:00 +0000 UTC  deployed         postgresql-15.5.2     16.3.0
web      default      2         <unreadable>                   pending-upgrade  <unreadable>          
`, byKey["helm_list"]["document"])
	assert.Equal(t, `default/sh.helm.release.v1.web.v2: decode Helm release: gzip: unexpected EOF`, byKey["helm_history_default_web"]["error"])
	assert.Equal(t, `monitoring/sh.helm.release.v1.prom.v3: decode Helm release: no "release" key in the Secret's data`, byKey["helm_history_monitoring_prom"]["error"])

	var web historyJSON
	require.NoError(t, json.Unmarshal([]byte(byKey["helm_history_default_web"]["document"]), &web))
	assert.Equal(t, 2, web.Revision, "the latest revision is the unreadable one")
	assert.Equal(t, "pending-upgrade", web.Status)
	assert.Equal(t, byKey["helm_history_default_web"]["error"], web.History[1].Error)
	assert.Empty(t, web.History[0].Error)

	var h historyJSON
	require.NoError(t, json.Unmarshal([]byte(byKey["helm_history_shop_shop-db"]["document"]), &h))
	assert.Equal(t, 2, h.Revision)
	assert.Equal(t, []int{1, 2}, []int{h.History[0].Revision, h.History[1].Revision})
	assert.Equal(t, "superseded", h.History[0].Status)
}

func TestRenderNoReleasesIsTheHeaderAlone(t *testing.T) {
	logs := renderGolden(t, nil, "golden-none.json")
	assert.Equal(t, map[string]map[string]string{
		"helm_list": {"document": "NAME  NAMESPACE  REVISION  UPDATED  STATUS  CHART  APP VERSION\n"},
	}, bodies(logs))
}

// bodies maps item key → kind → body.
func bodies(logs plog.Logs) map[string]map[string]string {
	out := map[string]map[string]string{}
	lrs := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		attrs := lrs.At(i).Attributes()
		key, _ := attrs.Get("periscope.item.key")
		kind, _ := attrs.Get("periscope.item.kind")
		if out[key.Str()] == nil {
			out[key.Str()] = map[string]string{}
		}
		out[key.Str()][kind.Str()] = lrs.At(i).Body().AsString()
	}
	return out
}

func TestFromLabels(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		labels map[string]string
		want   [3]string // name, revision, status
	}{
		{"labels win", "sh.helm.release.v1.a.v1", map[string]string{"name": "b", "version": "4", "status": "failed"}, [3]string{"b", "4", "failed"}},
		{"name and revision from the Secret's name", "sh.helm.release.v1.my.app.v12", nil, [3]string{"my.app", "12", ""}},
		{"a Secret named otherwise", "custom", nil, [3]string{"custom", "0", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fromLabels(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: tt.secret, Labels: tt.labels}})
			assert.Equal(t, tt.want, [3]string{r.Name, fmt.Sprint(r.Revision), r.Status})
		})
	}
}

func TestSafeKey(t *testing.T) {
	assert.Equal(t, "helm_history_ns_a_b_c", layout.SafeKey("helm_history_ns_a/b\\c", keyHistoryPrefix))
	assert.Equal(t, "helm_history_ns_x_", layout.SafeKey("helm_history_ns_x\n", keyHistoryPrefix))
}
