package diagnoserprocessor

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
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/dnsconfigreceiver"
	"github.com/periscope-otel/periscope/receiver/iptablesreceiver"
	"github.com/periscope-otel/periscope/receiver/kubeletargsreceiver"
)

var update = flag.Bool("update", false, "rewrite testdata/golden-*.json")

// collectNode runs the real dns_config, kubelet_args and iptables receivers
// on a fixture node root and returns their records, stamped with the run
// and node as the pipeline's resource processor would.
func collectNode(t *testing.T, root string) []plog.Logs {
	t.Helper()
	root, err := filepath.Abs(root)
	require.NoError(t, err)
	var batches []plog.Logs
	collect := func(f receiver.Factory, configure func(cfg component.Config)) {
		cfg := f.CreateDefaultConfig()
		configure(cfg)
		sink := new(consumertest.LogsSink)
		rcv, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, sink)
		require.NoError(t, err)
		require.NoError(t, rcv.Start(context.Background(), nil))
		require.Eventually(t, func() bool { return len(sink.AllLogs()) > 0 }, 10*time.Second, 5*time.Millisecond)
		require.NoError(t, rcv.Shutdown(context.Background()))
		for _, ld := range sink.AllLogs() {
			for i := 0; i < ld.ResourceLogs().Len(); i++ {
				res := ld.ResourceLogs().At(i).Resource().Attributes()
				res.PutStr(layout.AttrRunID, testRunID)
				res.PutStr(layout.AttrNodeName, testNode)
			}
			batches = append(batches, ld)
		}
	}
	collect(dnsconfigreceiver.NewFactory(), func(c component.Config) {
		cfg := c.(*dnsconfigreceiver.Config)
		cfg.RootPath = root
		if pod := filepath.Join(root, "pod", "resolv.conf"); fileExists(pod) {
			cfg.PodResolvConf = pod
		}
	})
	collect(kubeletargsreceiver.NewFactory(), func(c component.Config) {
		c.(*kubeletargsreceiver.Config).RootPath = root
	})
	collect(iptablesreceiver.NewFactory(), func(c component.Config) {
		cfg := c.(*iptablesreceiver.Config)
		cfg.RootPath, cfg.Source = root, "file"
		cfg.Files.Save = "/captured/iptables-save.txt"
	})
	return batches
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestGoldenNodes compares every record the diagnoser emits for a fixture
// node with testdata/golden-<node>.json (go test -run TestGoldenNodes -update).
func TestGoldenNodes(t *testing.T) {
	for _, node := range []string{"aks-kubenet", "broken", "missing"} {
		t.Run(node, func(t *testing.T) {
			r := startRun(t, &Config{})
			root := filepath.Join("testdata", "nodes", node)
			for _, ld := range collectNode(t, root) {
				r.consume(ld)
			}
			r.end()
			got, err := json.MarshalIndent(r.emitted(), "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			// Error messages name the fixture root; keep the golden file portable.
			abs, err := filepath.Abs(root)
			require.NoError(t, err)
			got = bytes.ReplaceAll(got, []byte(abs), []byte("<root>"))
			golden := filepath.Join("testdata", "golden-"+node+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got))
		})
	}
}
