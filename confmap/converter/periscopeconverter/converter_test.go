package periscopeconverter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/settings"
)

func testConfig() *confmap.Conf {
	return confmap.NewFromStringMap(map[string]any{
		"service": map[string]any{"pipelines": map[string]any{
			"logs": map[string]any{
				"receivers": []any{"dns_config", "iptables", "kubelet_args", "file_log/nodelogs", "journald/systemlogs_kubelet", "helm_releases", "otlp"},
				"exporters": []any{"periscope"},
			},
			"logs/pods": map[string]any{"receivers": []any{"file_log/podscontainerlogs"}, "exporters": []any{"periscope"}},
			"metrics":   map[string]any{"receivers": []any{"systemperf", "host_metrics"}, "exporters": []any{"otlp"}},
		}},
	})
}

func convert(t *testing.T, collectorList string, extra ...string) (*confmap.Conf, error) {
	t.Helper()
	env := map[string]string{settings.CollectorList: collectorList}
	if len(extra) > 0 {
		env[EnvDisable] = extra[0]
	}
	c := &converter{logger: zap.NewNop(), source: settings.Source{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}}
	conf := testConfig()
	return conf, c.Convert(context.Background(), conf)
}

func TestDefaultKeepsNodeCollectorsAndDropsOptionalOnes(t *testing.T) {
	conf, err := convert(t, "")
	require.NoError(t, err)
	assert.Equal(t, []any{"dns_config", "iptables", "kubelet_args", "file_log/nodelogs", "journald/systemlogs_kubelet", "otlp"}, conf.Get("service::pipelines::logs::receivers"))
	assert.False(t, conf.IsSet("service::pipelines::logs/pods"), "a pipeline left without receivers is removed")
	assert.Equal(t, []any{"systemperf", "host_metrics"}, conf.Get("service::pipelines::metrics::receivers"))
}

func TestConnectedCluster(t *testing.T) {
	conf, err := convert(t, `"connectedCluster"`)
	require.NoError(t, err)
	assert.Equal(t, []any{"dns_config", "helm_releases", "otlp"}, conf.Get("service::pipelines::logs::receivers"))
	assert.Equal(t, []any{"file_log/podscontainerlogs"}, conf.Get("service::pipelines::logs/pods::receivers"))
	assert.Equal(t, []any{"host_metrics"}, conf.Get("service::pipelines::metrics::receivers"))
}

func TestModesAreMatchedWithoutCaseAndStraySpaces(t *testing.T) {
	conf, err := convert(t, "  osm   SMI ")
	require.NoError(t, err)
	assert.Equal(t, []any{"dns_config", "iptables", "kubelet_args", "file_log/nodelogs", "journald/systemlogs_kubelet", "otlp"}, conf.Get("service::pipelines::logs::receivers"))
}

func TestUnknownWordIsNamed(t *testing.T) {
	_, err := convert(t, "connectedCluster bogus")
	assert.EqualError(t, err, `COLLECTOR_LIST from $COLLECTOR_LIST: unknown word "bogus" (known: connectedCluster, OSM, SMI)`)
}

func TestDisableCollectors(t *testing.T) {
	conf, err := convert(t, "", "iptables 'kubeletcmd'")
	require.NoError(t, err)
	assert.Equal(t, []any{"dns_config", "file_log/nodelogs", "journald/systemlogs_kubelet", "otlp"}, conf.Get("service::pipelines::logs::receivers"))

	_, err = convert(t, "", "iptables bogus")
	assert.ErrorContains(t, err, `PERISCOPE_DISABLE_COLLECTORS from $PERISCOPE_DISABLE_COLLECTORS: unknown collector "bogus" (known: containerlogs, dns`)
}

// The PDB and helm receivers follow Periscope's modes: PDBs by default and
// not in connected-cluster mode, helm only there; either can be turned off.
func TestPDBAndHelmReceivers(t *testing.T) {
	tests := []struct {
		collectorList, disable string
		want                   []any
	}{
		{"", "", []any{"pod_disruption_budgets", "dns_config"}},
		{"connectedCluster", "", []any{"helm_releases/x", "dns_config"}},
		{"connectedCluster", "helm", []any{"dns_config"}},
		{"", "pdb", []any{"dns_config"}},
	}
	for _, tt := range tests {
		t.Run(tt.collectorList+"/"+tt.disable, func(t *testing.T) {
			env := map[string]string{settings.CollectorList: tt.collectorList, EnvDisable: tt.disable}
			c := &converter{logger: zap.NewNop(), source: settings.Source{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}}
			conf := confmap.NewFromStringMap(map[string]any{"service": map[string]any{"pipelines": map[string]any{
				"logs": map[string]any{"receivers": []any{"pod_disruption_budgets", "helm_releases/x", "dns_config"}, "exporters": []any{"periscope"}},
			}}})
			require.NoError(t, c.Convert(context.Background(), conf))
			assert.Equal(t, tt.want, conf.Get("service::pipelines::logs::receivers"))
		})
	}
}

// The systemlogs receiver is Periscope's systemlogs collector, and the
// not_collected receivers named after OSM and SMI follow those modes: a
// COLLECTOR_LIST asking for them gets the run's error saying they are not
// collected, nothing otherwise.
func TestSystemLogsAndNotCollectedReceivers(t *testing.T) {
	tests := []struct {
		collectorList, disable string
		want                   []any
	}{
		{collectorList: "", want: []any{"systemlogs"}},
		{collectorList: "OSM", want: []any{"systemlogs", "not_collected/osm", "not_collected/smi"}},
		{collectorList: "SMI", want: []any{"systemlogs", "not_collected/smi"}},
		{collectorList: "connectedCluster SMI", want: []any{"not_collected/smi"}},
		{collectorList: "OSM", disable: "systemlogs osm", want: []any{"not_collected/smi"}},
	}
	for _, tt := range tests {
		env := map[string]string{settings.CollectorList: tt.collectorList, EnvDisable: tt.disable}
		c := &converter{logger: zap.NewNop(), source: settings.Source{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}}
		conf := confmap.NewFromStringMap(map[string]any{"service": map[string]any{"pipelines": map[string]any{
			"logs": map[string]any{"receivers": []any{"systemlogs", "not_collected/osm", "not_collected/smi"}, "exporters": []any{"periscope"}},
		}}})
		require.NoError(t, c.Convert(context.Background(), conf))
		assert.Equal(t, tt.want, conf.Get("service::pipelines::logs::receivers"), "COLLECTOR_LIST=%q disable=%q", tt.collectorList, tt.disable)
	}
}
