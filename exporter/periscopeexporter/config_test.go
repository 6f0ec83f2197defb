package periscopeexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      string
		check   func(t *testing.T, c *Config)
		wantErr []string
	}{
		{id: "periscope", check: func(t *testing.T, c *Config) {
			assert.Equal(t, "./periscope-output", c.Local.Directory)
			assert.False(t, c.AzureBlob.HasValue(), "the local directory alone unless azure_blob is given")
			assert.False(t, c.QueueConfig.HasValue())
			assert.False(t, c.BackOffConfig.Enabled)
			assert.Nil(t, c.DiagnosticObject.Enabled, "unset: on in a pod, off elsewhere")
			assert.Equal(t, "aks-periscope", c.DiagnosticObject.Namespace)
			assert.Equal(t, "aks-periscope-diagnostic-", c.DiagnosticObject.NamePrefix)
			assert.Equal(t, 5*time.Second, c.DiagnosticObject.Timeout)
			assert.Zero(t, c.PublishInterval, "published at the run's end and at shutdown only")
		}},
		{id: "periscope/account_sas", check: func(t *testing.T, c *Config) {
			require.True(t, c.AzureBlob.HasValue())
			a := c.AzureBlob.Get()
			assert.Equal(t, "/var/lib/periscope/spool", c.Local.Directory)
			assert.Equal(t, "account_sas", a.Auth, "the default auth is Periscope's account SAS")
			assert.Equal(t, "core.windows.net", a.EndpointSuffix)
			assert.Equal(t, int64(8<<20), a.Upload.BlockSize)
			assert.Equal(t, 4, a.Upload.Concurrency)
			assert.Equal(t, 4, a.Upload.MaxTries)
			assert.Equal(t, 5*time.Minute, c.PublishInterval)
		}},
		{id: "periscope/container_from_fqdn", check: func(t *testing.T, c *Config) {
			a := c.AzureBlob.Get()
			name, err := a.ContainerName()
			require.NoError(t, err)
			assert.Equal(t, "mycluster-dns-1a2b3c4d", name)
			assert.Equal(t, int64(16<<20), a.Upload.BlockSize)
			assert.Equal(t, 8, a.Upload.Concurrency)
			assert.Equal(t, 6, a.Upload.MaxTries)
			assert.Equal(t, 10*time.Minute, a.Upload.TryTimeout)
		}},
		{id: "periscope/connection_string", check: func(t *testing.T, c *Config) {
			assert.Equal(t, configopaque.String("DefaultEndpointsProtocol=https;AccountName=periscopestore;AccountKey=a2V5;EndpointSuffix=core.windows.net"),
				c.AzureBlob.Get().ConnectionString)
		}},
		{id: "periscope/azure_ad", check: func(t *testing.T, c *Config) {
			assert.Equal(t, "azure_ad", c.AzureBlob.Get().Auth)
		}},
		{id: "periscope/persistent_queue", check: func(t *testing.T, c *Config) {
			require.True(t, c.QueueConfig.HasValue())
			q := c.QueueConfig.Get()
			assert.Equal(t, component.MustNewID("file_storage"), *q.StorageID)
			assert.Equal(t, 1, q.NumConsumers, "one consumer keeps lines in order")
			assert.True(t, c.BackOffConfig.Enabled)
		}},
		{id: "periscope/diagnostic_object", check: func(t *testing.T, c *Config) {
			d := c.DiagnosticObject
			require.NotNil(t, d.Enabled)
			assert.True(t, *d.Enabled)
			assert.Equal(t, "periscope-runs", d.Namespace)
			assert.Equal(t, "diag-", d.NamePrefix)
			assert.Equal(t, "/etc/periscope/kubeconfig", d.Kubeconfig)
			assert.Equal(t, 2*time.Second, d.Timeout)
		}},
		{id: "periscope/diagnostic_object_bad", wantErr: []string{
			`diagnostic_object.namespace "Periscope"`,
			"diagnostic_object.timeout 0s: must be positive",
		}},
		{id: "periscope/bad", wantErr: []string{
			"local.directory must not be empty",
			"publish_interval -1s must not be negative",
			`azure_blob.container: container name "Bad_Name"`,
			"azure_blob.sas_token must be set with auth account_sas",
			"azure_blob.account_name must be set",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig().(*Config)
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
			tt.check(t, cfg)
		})
	}
}
