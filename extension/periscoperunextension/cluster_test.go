package periscoperunextension

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

func TestClusterScopeConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		name string
		want clusterlease.Config
		err  string
	}{
		{name: "defaults", want: clusterlease.DefaultConfig()},
		{name: "tuned", want: clusterlease.Config{
			Lease: "auto", Namespace: "diagnostics", Name: "periscope-leader",
			Kubeconfig: "/etc/periscope/kubeconfig", Identity: "aks-nodepool1-0",
			LeaseDuration: 30 * time.Second, RenewDeadline: 20 * time.Second, RetryPeriod: 5 * time.Second,
		}},
		{name: "off", want: func() clusterlease.Config { c := clusterlease.DefaultConfig(); c.Lease = "off"; return c }()},
		{name: "renew_too_long", err: "cluster_scope.renew_deadline 15s must be positive and shorter than lease_duration 15s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := cm.Sub(tt.name)
			require.NoError(t, err)
			cfg := createDefaultConfig().(*Config)
			require.NoError(t, sub.Unmarshal(cfg))
			if tt.err != "" {
				assert.EqualError(t, cfg.Validate(), tt.err)
				return
			}
			require.NoError(t, cfg.Validate())
			assert.Equal(t, tt.want, cfg.ClusterScope)
		})
	}
}

// Outside a cluster (no in-cluster credentials, no $KUBECONFIG) and with
// the lease off, the extension offers no coordination: cluster-scoped
// receivers collect on this node, as the local default always did.
func TestNoCoordinationOutsideAClusterOrWhenOff(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", "")
	for _, lease := range []string{clusterlease.LeaseAuto, clusterlease.LeaseOff} {
		cfg := createDefaultConfig().(*Config)
		cfg.RunID = "run-1"
		cfg.ClusterScope.Lease = lease
		r := newRunState(cfg, zap.NewNop())
		host := hostWith(r)
		require.NoError(t, r.Start(context.Background(), host))
		assert.Nil(t, runcontrol.FindClusterScope(host), lease)
		require.NoError(t, r.Shutdown(context.Background()))
	}
}

// A kubeconfig the operator named but that cannot be loaded stops the
// collector, naming it.
func TestUnloadableKubeconfigIsAConfigError(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.RunID = "run-1"
	cfg.ClusterScope.Kubeconfig = filepath.Join(t.TempDir(), "missing.kubeconfig")
	r := newRunState(cfg, zap.NewNop())
	assert.ErrorContains(t, r.Start(context.Background(), componenttest.NewNopHost()), "cluster_scope: load kubeconfig "+cfg.ClusterScope.Kubeconfig)
}

// extHost is a host holding one extension, as the collector's would.
type extHost struct{ ext component.Component }

func hostWith(ext component.Component) extHost { return extHost{ext} }

func (h extHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{component.MustNewID("periscope_run"): h.ext}
}
