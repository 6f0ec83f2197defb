package iptablesreceiver

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
	defaults := createDefaultConfig().(*Config)
	daemonset := *defaults
	daemonset.RootPath, daemonset.Timeout = "/hostroot", 10*time.Second
	daemonset.Commands.Save6 = []string{}
	captured := *defaults
	captured.Source, captured.Files.Save = SourceFile, "/var/log/periscope/iptables-save.txt"

	tests := []struct {
		id      string
		want    *Config
		wantErr []string
	}{
		{id: "iptables", want: defaults},
		{id: "iptables/daemonset", want: &daemonset},
		{id: "iptables/captured", want: &captured},
		{id: "iptables/bad", wantErr: []string{"root_path must not be empty", `source "script" must be "command" or "file"`}},
		{id: "iptables/bad_files", wantErr: []string{`files::save "iptables-save.txt" must be an absolute path on the node`}},
		{id: "iptables/no_files", wantErr: []string{`source "file" needs at least one of files::nat_list, files::save, files::save6`}},
		{id: "iptables/bad_timeout", wantErr: []string{"timeout 0s must be positive"}},
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
