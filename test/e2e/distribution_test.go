package e2e

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComponentsListsTheDistribution(t *testing.T) {
	res := runCollector(t, t.TempDir(), nil, "components")
	require.Equal(t, 0, res.code, res.stderr)
	for _, name := range []string{
		// Periscope's own.
		"dns_config", "node_logs", "iptables", "kubelet_args", "connectivity", "kube_objects", "periscope", "periscope_run",
		"systemlogs", "not_collected",
		// Contrib and core receivers, processors, exporters, extensions.
		"otlp", "file_log", "journald", "host_metrics",
		"batch", "memory_limiter", "resource_detection", "k8s_attributes", "resource", "transform",
		"debug", "otlp_grpc", "otlp_http", "file", "azure_blob", "azure_monitor",
		"file_storage", "health_check",
	} {
		assert.Contains(t, res.stderr, "name: "+name+"\n", "components should list %s", name)
	}
}

func TestEveryShippedConfigValidates(t *testing.T) {
	configs, err := filepath.Glob(filepath.Join(repoRoot, "distributions", "*", "config.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, configs)
	for _, cfg := range configs {
		t.Run(filepath.Base(filepath.Dir(cfg)), func(t *testing.T) {
			// validate builds the pipelines: journald (under systemlogs)
			// checks its root_path then, and this machine has no /hostroot.
			// Each backend's required settings, as a deployment sets them.
			res := runCollector(t, t.TempDir(), map[string]string{
				"PERISCOPE_JOURNAL_ROOT_PATH":           "/",
				"PERISCOPE_OTLP_ENDPOINT":               "127.0.0.1:4317",
				"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-000000000000",
				"AZURE_BLOB_ACCOUNT_NAME":               "account",
				"AZURE_BLOB_CONTAINER_NAME":             "container",
				"AZURE_BLOB_SAS_KEY":                    "?sv=2022-11-02&sig=x",
			}, "validate", "--config", cfg)
			assert.Equal(t, 0, res.code, res.stderr)
		})
	}
}
