package poddisruptionbudgetsreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      string
		want    *Config
		wantErr []string
	}{
		{id: "pod_disruption_budgets", want: &Config{Parallelism: 4, RequestTimeout: 30 * time.Second}},
		{id: "pod_disruption_budgets/custom", want: &Config{Kubeconfig: "/etc/periscope/kubeconfig", Parallelism: 2, RequestTimeout: 5 * time.Second}},
		{id: "pod_disruption_budgets/bad", wantErr: []string{"parallelism 0 must be at least 1", "request_timeout -1s must be positive"}},
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
