package dnsconfigreceiver

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

	"github.com/periscope-otel/periscope/receiver/dnsconfigreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// collectGolden collects with cfg and compares the records with a golden file.
func collectGolden(t *testing.T, cfg *Config, golden string) {
	t.Helper()
	c := newCollector(cfg, zap.NewNop())
	c.now = func() time.Time { return fixedNow }
	require.NoError(t, c.Check())
	got, err := (&plog.JSONMarshaler{}).MarshalLogs(c.Collect(context.Background()).Logs)
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
}

func TestCollectNodeAndPodResolvConf(t *testing.T) {
	// Relative so the golden file does not depend on the checkout's path;
	// configs must give an absolute one (Validate).
	pod := "testdata/podroot/resolv.conf"
	collectGolden(t, &Config{RootPath: "testdata/noderoot", NodeResolvConf: "/etc/resolv.conf", PodResolvConf: pod}, "golden-node-and-pod.json")
}

func TestCollectMissingFileIsAnErrorRecord(t *testing.T) {
	collectGolden(t, &Config{RootPath: "testdata/noderoot", NodeResolvConf: "/etc/missing.conf"}, "golden-missing.json")
}

func TestCollectBinaryFileKeepsBytes(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	content := []byte("nameserver 1.1.1.1\x00\xff\xfe")
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/resolv.conf"), content, 0o644))

	c := newCollector(&Config{RootPath: root, NodeResolvConf: "/etc/resolv.conf"}, zap.NewNop())
	lr := c.Collect(context.Background()).Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, content, lr.Body().Bytes().AsRaw(), "content kept byte for byte")
	errAttr, ok := lr.Attributes().Get("periscope.error")
	require.True(t, ok)
	assert.Equal(t, "parse /etc/resolv.conf: not a text file (contains NUL bytes)", errAttr.Str())
	assert.Equal(t, plog.SeverityNumberWarn, lr.SeverityNumber())
}

// The receiver delivers one snapshot at start and stops cleanly.
func TestReceiverDeliversOnceAtStart(t *testing.T) {
	sink := new(consumertest.LogsSink)
	cfg := &Config{RootPath: "testdata/noderoot", NodeResolvConf: "/etc/resolv.conf"}
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Equal(t, 1, sink.LogRecordCount())
}

func TestReceiverRefusesAMissingRoot(t *testing.T) {
	cfg := &Config{RootPath: "testdata/no-such-root", NodeResolvConf: "/etc/resolv.conf"}
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `root_path "testdata/no-such-root"`)
	require.NoError(t, r.Shutdown(context.Background()))
}

// The kubelet's --resolv-conf, its config file's resolvConf, or no kubelet:
// each gives the item or says why not (fixture /proc trees).
func TestCollectKubeletResolvConf(t *testing.T) {
	for _, name := range []string{"flag", "config", "none"} {
		t.Run(name, func(t *testing.T) {
			cfg := &Config{RootPath: "testdata/kubelet-" + name, NodeResolvConf: "/etc/resolv.conf", KubeletResolvConf: true}
			collectGolden(t, cfg, "golden-kubelet-"+name+".json")
		})
	}
}
