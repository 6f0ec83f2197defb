package iptablesreceiver

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

	"github.com/periscope-otel/periscope/receiver/iptablesreceiver/internal/metadata"
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

// collectGolden collects with cfg and compares the records with a golden file.
func collectGolden(t *testing.T, cfg *Config, golden string) {
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
}

// fileConfig reads captured fixtures from testdata as if it were the node.
func fileConfig(files Files) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.RootPath, cfg.Source, cfg.Files = "testdata", SourceFile, files
	return cfg
}

func TestCollectGolden(t *testing.T) {
	tests := []struct {
		name   string
		cfg    *Config
		golden string
	}{
		{
			name: "kubenet node, every item captured",
			cfg: fileConfig(Files{
				NatList: "/fixture-kubenet-aks-iptables-nat-list.txt",
				Save:    "/fixture-kubenet-aks-iptables-save.txt",
				Save6:   "/fixture-kubenet-aks-ip6tables-save.txt",
			}),
			golden: "golden-file-kubenet.json",
		},
		{
			// The nat listing and IPv6 have no capture: each says so.
			name:   "azure cni node, only iptables-save captured",
			cfg:    fileConfig(Files{Save: "/fixture-azurecni-aks-iptables-save.txt"}),
			golden: "golden-file-azurecni.json",
		},
		{
			name:   "truncated dump and a missing capture",
			cfg:    fileConfig(Files{Save: "/fixture-truncated-iptables-save.txt", Save6: "/no-such-capture.txt"}),
			golden: "golden-file-truncated.json",
		},
		{
			name:   "binary capture",
			cfg:    fileConfig(Files{Save: "/fixture-binary-iptables-save.bin"}),
			golden: "golden-file-binary.json",
		},
		{
			// Real processes printing the fixtures: the command path end to end.
			name: "commands",
			cfg: &Config{RootPath: "/", Source: SourceCommand, Timeout: 10 * time.Second, Commands: Commands{
				NatList: []string{"cat", "testdata/fixture-kubenet-aks-iptables-nat-list.txt"},
				Save:    []string{"cat", "testdata/fixture-azurecni-aks-iptables-save.txt"},
				Save6:   []string{"cat", "testdata/fixture-kubenet-aks-ip6tables-save.txt"},
			}},
			golden: "golden-command.json",
		},
		{
			name: "commands that fail",
			cfg: &Config{RootPath: "/", Source: SourceCommand, Timeout: 10 * time.Second, Commands: Commands{
				NatList: []string{"sh", "-c", "echo 'iptables v1.8.7 (legacy): cannot open table nat: Permission denied (you must be root)' >&2; exit 4"},
				Save:    []string{"no-such-iptables-save"},
				Save6:   []string{"true"},
			}},
			golden: "golden-command-failures.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { collectGolden(t, tt.cfg, tt.golden) })
	}
}

// Every item yields one record whatever happens, so an item is never
// missing without a reason; a switched-off command is the exception.
func TestCollectEmptyCommandLeavesTheItemOut(t *testing.T) {
	cfg := &Config{RootPath: "/", Source: SourceCommand, Timeout: 10 * time.Second, Commands: Commands{
		Save: []string{"cat", "testdata/fixture-kubenet-aks-iptables-save.txt"},
	}}
	records := collect(t, cfg).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 1, records.Len())
	key, _ := records.At(0).Attributes().Get("periscope.item.key")
	assert.Equal(t, "iptables-save", key.Str())
}

func TestCollectCommandTimeout(t *testing.T) {
	cfg := &Config{RootPath: "/", Source: SourceCommand, Timeout: 200 * time.Millisecond, Commands: Commands{
		Save: []string{"sleep", "30"},
	}}
	lr := collect(t, cfg).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, "not available: `sleep 30` did not finish within 200ms", lr.Body().Str())
}

// The receiver delivers one snapshot at start and stops cleanly.
func TestReceiverDeliversOnceAtStart(t *testing.T) {
	sink := new(consumertest.LogsSink)
	cfg := fileConfig(Files{Save: "/fixture-kubenet-aks-iptables-save.txt"})
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 3 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Equal(t, 3, sink.LogRecordCount())
}

func TestReceiverRefusesAMissingRoot(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.RootPath = "testdata/no-such-root"
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `root_path "testdata/no-such-root"`)
	require.NoError(t, r.Shutdown(context.Background()))
}
