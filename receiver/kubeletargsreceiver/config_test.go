package kubeletargsreceiver

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
		{id: "kubelet_args", want: &Config{RootPath: "/", ProcessName: "kubelet", CollectConfig: true}},
		{id: "kubelet_args/daemonset", want: &Config{RootPath: "/hostroot", ProcessName: "kubelet", CollectConfig: true}},
		{id: "kubelet_args/captured", want: &Config{RootPath: "/", ProcessName: "kubelet", CmdlineFile: "/var/log/kubelet-cmdline.txt"}},
		{id: "kubelet_args/bad", wantErr: []string{
			"root_path must not be empty",
			`process_name "/usr/local/bin/kubelet" must be a process name, not empty and without a path`,
			`cmdline_file "kubelet-cmdline.txt" must be an absolute path on the node`,
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
