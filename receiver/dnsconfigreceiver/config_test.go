package dnsconfigreceiver

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
	defaultKube := KubernetesConfig{AuthType: AuthAuto, Timeout: 10 * time.Second}
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      string
		want    *Config
		wantErr []string
	}{
		{id: "dns_config", want: &Config{RootPath: "/", NodeResolvConf: "/etc/resolv.conf", KubeletResolvConf: true, Kubernetes: defaultKube}},
		{id: "dns_config/daemonset", want: &Config{RootPath: "/hostroot", NodeResolvConf: "/etc/resolv.conf", PodResolvConf: "/etc/resolv.conf", KubeletResolvConf: true, Kubernetes: defaultKube}},
		{id: "dns_config/kubeconfig", want: &Config{RootPath: "/", NodeResolvConf: "/etc/resolv.conf", KubeletResolvConf: true,
			Kubernetes: KubernetesConfig{AuthType: AuthKubeConfig, KubeconfigPath: "/etc/periscope/kubeconfig", Timeout: 3 * time.Second}}},
		{id: "dns_config/badkube", wantErr: []string{
			`kubernetes.auth_type "kubeconfig": want auto, serviceAccount, kubeConfig or none`,
			"kubernetes.timeout 0s must be positive",
		}},
		{id: "dns_config/kubeconfig-without-path", wantErr: []string{
			"kubernetes.kubeconfig_path must be set when kubernetes.auth_type is kubeConfig",
		}},
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
