package dnsconfigreceiver

import (
	"path/filepath"
	"testing"

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
		{id: "dns_config", want: &Config{RootPath: "/", NodeResolvConf: "/etc/resolv.conf", KubeletResolvConf: true}},
		{id: "dns_config/daemonset", want: &Config{RootPath: "/hostroot", NodeResolvConf: "/etc/resolv.conf", PodResolvConf: "/etc/resolv.conf", KubeletResolvConf: true}},
		{id: "dns_config/bad", wantErr: []string{
			"root_path must not be empty",
			`node_resolv_conf "etc/resolv.conf" must be an absolute path on the node`,
			`pod_resolv_conf "resolv.conf" must be an absolute path`,
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
