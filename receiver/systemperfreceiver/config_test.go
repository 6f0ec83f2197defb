package systemperfreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/periscope-otel/periscope/receiver/systemperfreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	// Through Unmarshal, as the generated config records what the user set.
	custom := metadata.NewDefaultMetricsBuilderConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"metrics":             map[string]any{"container.cpu.usage": map[string]any{"enabled": false}},
		"resource_attributes": map[string]any{"k8s.container.name": map[string]any{"enabled": false}},
	}).Unmarshal(&custom))
	tests := []struct {
		id      string
		want    *Config
		wantErr []string
	}{
		{id: "systemperf", want: &Config{
			MetricsBuilderConfig: metadata.NewDefaultMetricsBuilderConfig(),
			RequestTimeout:       30 * time.Second,
		}},
		{id: "systemperf/custom", want: &Config{
			MetricsBuilderConfig: custom,
			Kubeconfig:           "/etc/periscope/kubeconfig",
			RequestTimeout:       5 * time.Second,
			CollectionInterval:   time.Minute,
		}},
		{id: "systemperf/bad", wantErr: []string{
			"request_timeout 0s must be positive",
			"collection_interval -1s must not be negative (0 collects once per run)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id)
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantErr != nil {
				for _, msg := range tt.wantErr {
					assert.ErrorContains(t, err, msg)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg)
		})
	}
}
