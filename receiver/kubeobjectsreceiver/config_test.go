package kubeobjectsreceiver

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
		{id: "kube_objects", want: &Config{
			Objects:        []string{"kube-system/pod", "kube-system/service", "kube-system/deployment"},
			Parallelism:    8,
			RequestTimeout: 30 * time.Second,
		}},
		{id: "kube_objects/custom", want: &Config{
			Objects:        []string{"kube-system/pod/coredns-abc", "default/svc"},
			Kubeconfig:     "/etc/periscope/kubeconfig",
			Parallelism:    2,
			RequestTimeout: 5 * time.Second,
		}},
		{id: "kube_objects/bad", wantErr: []string{
			`objects[0]: entry "a/b/c/d": want namespace/type or namespace/type/name`,
			`objects[1]: entry "kube-system/": empty type`,
			`objects[2]: entry "/pod": empty namespace`,
			`objects[3]: entry "kube-system/pod/": empty name`,
			`objects[4]: entry "ns/pod/with space": character ' ' at byte 11 is not allowed in a Kubernetes name`,
			"parallelism 0 must be at least 1",
			"request_timeout 0s must be positive",
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

// The default config is not shared between instances (a slice aliased
// between two receivers would let one's list change the other's).
func TestDefaultObjectsAreCopied(t *testing.T) {
	a := createDefaultConfig().(*Config)
	a.Objects[0] = "changed/pod"
	assert.Equal(t, "kube-system/pod", createDefaultConfig().(*Config).Objects[0])
}
