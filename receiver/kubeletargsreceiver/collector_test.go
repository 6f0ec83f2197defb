package kubeletargsreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/receiver/kubeletargsreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// collect runs one collection with cfg at a fixed time.
func collect(t *testing.T, cfg *Config) plog.Logs {
	t.Helper()
	c := newCollector(cfg, zap.NewNop())
	c.now = func() time.Time { return fixedNow }
	require.NoError(t, c.Check())
	return c.Collect(context.Background()).Logs
}

// collectGolden collects with cfg, compares the records with a golden file
// and returns them marshaled.
func collectGolden(t *testing.T, cfg *Config, golden string) string {
	t.Helper()
	got, err := (&plog.JSONMarshaler{}).MarshalLogs(collect(t, cfg))
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
	return string(got)
}

func nodeConfig(root string) *Config {
	return &Config{RootPath: filepath.Join("testdata", root), ProcessName: "kubelet", CollectConfig: true}
}

func TestCollectGolden(t *testing.T) {
	tests := []struct {
		name   string
		cfg    *Config
		golden string
	}{
		{"AKS 1.23 kubenet, every setting a flag", nodeConfig("noderoot-aks-1.23-kubenet"), "golden-aks-1.23-kubenet.json"},
		{"AKS 1.27 with a JSON config file", nodeConfig("noderoot-aks-1.27"), "golden-aks-1.27.json"},
		{"AKS 1.29 with repeated flags", nodeConfig("noderoot-aks-1.29"), "golden-aks-1.29.json"},
		{"AKS 1.31 with the external cloud provider", nodeConfig("noderoot-aks-1.31"), "golden-aks-1.31.json"},
		{"truncated command line", nodeConfig("noderoot-truncated"), "golden-truncated.json"},
		{"no kubelet process", nodeConfig("noderoot-no-kubelet"), "golden-no-kubelet.json"},
		{"binary command line", nodeConfig("noderoot-garbage"), "golden-garbage.json"},
		{"--config names a missing file", nodeConfig("noderoot-missing-config"), "golden-missing-config.json"},
		{
			"space-joined command line from a file",
			&Config{RootPath: "testdata", ProcessName: "kubelet", CmdlineFile: "/windows-cmdline/kubelet-cmdline.txt", CollectConfig: true},
			"golden-cmdline-file.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { collectGolden(t, tt.cfg, tt.golden) })
	}
}

// Credentials on the command line and in the config file never leave the
// receiver, in bodies or attributes; paths to credentials stay.
func TestCollectRedactsCredentials(t *testing.T) {
	got := collectGolden(t, nodeConfig("noderoot-secrets"), "golden-secrets.json")
	for _, secret := range []string{
		"s3cr3t-value", "hunter2", "p@ssw0rd",
		"eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ", "eyJzdWIiOiJzeXN0ZW06bm9kZSJ9", // JWT in a label value
		"eyJhbGciOiJSUzI1NiJ9", "eyJzdWIiOiJrdWJlbGV0In0", // JWT in staticPodURLHeader
	} {
		assert.NotContains(t, got, secret)
	}
	for _, kept := range []string{
		"--bootstrap-kubeconfig=/var/lib/kubelet/bootstrap-kubeconfig",
		"--tls-private-key-file=/etc/kubernetes/certs/kubeletserver.key",
		"--node-labels=team=a,b=REDACTED",
		"--authentication-token-webhook",
		"--token=REDACTED",
		"--registry-password REDACTED",
		"https://config.example/pods",
	} {
		assert.Contains(t, got, kept)
	}
}

func TestReceiverDeliversOnceAtStart(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), nodeConfig("noderoot-aks-1.27"), sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 2 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Equal(t, 2, sink.LogRecordCount())
}

func TestReceiverRefusesAMissingRoot(t *testing.T) {
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), nodeConfig("no-such-root"), consumertest.NewNop())
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `root_path "testdata/no-such-root"`)
	require.NoError(t, r.Shutdown(context.Background()))
}
