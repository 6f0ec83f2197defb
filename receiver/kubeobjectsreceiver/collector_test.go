package kubeobjectsreceiver

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/periscope-otel/periscope/internal/kubeclient"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/kubeobjectsreceiver/internal/metadata"
)

// The API server tests (kubectl equality, RBAC, bad entries on a real
// server) are in test/kubeobjects; these need no server.

// errorsByKey collects with cfg and returns the error record bodies.
func errorsByKey(t *testing.T, cfg *Config) map[string]string {
	t.Helper()
	logs := newCollector(cfg, zap.NewNop()).Collect(context.Background()).Logs
	out := map[string]string{}
	lrs := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		attrs := lrs.At(i).Attributes()
		kind, _ := attrs.Get(layout.AttrItemKind)
		require.Equal(t, string(layout.KindError), kind.Str())
		key, _ := attrs.Get(layout.AttrItemKey)
		out[key.Str()] = lrs.At(i).Body().Str()
	}
	return out
}

// closedPortKubeconfig writes a kubeconfig for a server that refuses
// connections (a port just released on 127.0.0.1).
func closedPortKubeconfig(t *testing.T) (path, server string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	server = "https://" + l.Addr().String()
	require.NoError(t, l.Close())
	path = filepath.Join(t.TempDir(), "kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, server)
	require.NoError(t, os.WriteFile(path, []byte(kc), 0o600))
	return path, server
}

// An unreachable API server is an error record per entry, naming the
// server and where its address came from; not a crash, not a start failure.
func TestUnreachableServerIsAnErrorRecordPerEntry(t *testing.T) {
	kubeconfig, server := closedPortKubeconfig(t)
	cfg := createDefaultConfig().(*Config)
	cfg.Kubeconfig = kubeconfig
	cfg.Objects = []string{"kube-system/pod", "kube-system/svc/kube-dns"}
	got := errorsByKey(t, cfg)
	require.Len(t, got, 2)
	for key, entry := range map[string]string{"kube-system_pod": "kube-system/pod", "kube-system_svc_kube-dns": "kube-system/svc/kube-dns"} {
		assert.Contains(t, got[key], entry+": API server "+server+" (kubeconfig "+kubeconfig+"): discover API groups: ")
		assert.Contains(t, got[key], "connection refused")
	}
}

func TestNoServerConfiguredIsAnErrorRecord(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", "")
	cfg := createDefaultConfig().(*Config)
	cfg.Objects = []string{"kube-system/pod"}
	assert.Equal(t, map[string]string{"kube-system_pod": "kube-system/pod: " + kubeclient.ErrNoAPIServer.Error()}, errorsByKey(t, cfg))
}

func TestKubeconfigFromEnvironment(t *testing.T) {
	kubeconfig, server := closedPortKubeconfig(t)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", kubeconfig)
	s, err := findAPIServer("", time.Second)
	require.NoError(t, err)
	assert.Equal(t, server, s.Config.Host)
	assert.Equal(t, "$KUBECONFIG "+kubeconfig, s.Origin)
	assert.Equal(t, userAgent, s.Config.UserAgent)
}

func TestMissingKubeconfigFileIsNamed(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Kubeconfig = filepath.Join(t.TempDir(), "missing")
	cfg.Objects = []string{"kube-system/pod"}
	got := errorsByKey(t, cfg)
	assert.Contains(t, got["kube-system_pod"], "kube-system/pod: load kubeconfig "+cfg.Kubeconfig+": ")
}

// A list that skipped Validate still gets a record per malformed entry,
// under a key usable as a file name.
func TestMalformedEntryWithoutValidateIsAnErrorRecord(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", "")
	cfg := createDefaultConfig().(*Config)
	cfg.Objects = []string{"a/b/c/d", "kube-system/pod"}
	got := errorsByKey(t, cfg)
	assert.Equal(t, `entry "a/b/c/d": want namespace/type or namespace/type/name`, got["a_b_c_d"])
	assert.Contains(t, got, "kube-system_pod")
}

// Start succeeds without any API server: that is a collection error.
func TestReceiverStartsWithoutAServer(t *testing.T) {
	kubeconfig, _ := closedPortKubeconfig(t)
	cfg := createDefaultConfig().(*Config)
	cfg.Kubeconfig = kubeconfig
	sink := new(consumertest.LogsSink)
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 3 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, plog.SeverityNumberError, lr.SeverityNumber())
}
