package helmreleasesreceiver

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
		{id: "helm_releases", want: &Config{RequestTimeout: 30 * time.Second}},
		{id: "helm_releases/custom", want: &Config{Kubeconfig: "/etc/periscope/kubeconfig", Namespaces: []string{"kube-system", "shop"}, RequestTimeout: 5 * time.Second}},
		{id: "helm_releases/bad", wantErr: []string{`namespaces[0] "" is not a namespace name`, `namespaces[1] "a/b" is not a namespace name`, "request_timeout 0s must be positive"}},
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
				assert.NotContains(t, err.Error(), "namespaces[2]")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg)
		})
	}
}
