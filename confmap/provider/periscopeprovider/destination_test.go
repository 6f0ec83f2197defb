//go:build !windows

package periscopeprovider

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/settings"
)

// writeFiles writes name → content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// The storage suffix: the setting wherever it is set, else what the node's
// cloud files say, as Periscope read them (azure.json's cloud, then
// azurestackcloud.json's storageEndpointSuffix).
func TestBlobEndpointSuffix(t *testing.T) {
	const (
		stackCloud = `{"cloud": "AzureStackCloud", "location": "local"}`
		stackJSON  = `{"name": "AzureStackCloud", "storageEndpointSuffix": "local.azurestack.external", "resourceManagerEndpoint": "https://management.local.azurestack.external/"}`
	)
	tests := []struct {
		name                  string
		env                   map[string]string
		config, secret, nodes map[string]string
		want, wantErr         string
	}{
		{name: "public cloud node", nodes: map[string]string{"etc/kubernetes/azure.json": `{"cloud": "AzurePublicCloud"}`}, want: "core.windows.net"},
		{name: "no azure.json", want: "core.windows.net"},
		{name: "azure.json that does not parse", nodes: map[string]string{"etc/kubernetes/azure.json": `{`}, want: "core.windows.net"},
		{name: "Azure Stack Hub node", nodes: map[string]string{
			"etc/kubernetes/azure.json": stackCloud, "etc/kubernetes/azurestackcloud.json": stackJSON,
		}, want: "local.azurestack.external"},
		{name: "cloud name in another case", nodes: map[string]string{
			"etc/kubernetes/azure.json": `{"cloud": "azurestackcloud"}`, "etc/kubernetes/azurestackcloud.json": stackJSON,
		}, want: "local.azurestack.external"},
		{name: "the setting wins over the node's files", env: map[string]string{KeyBlobEndpointSuffix: " .core.usgovcloudapi.net. "}, nodes: map[string]string{
			"etc/kubernetes/azure.json": stackCloud, "etc/kubernetes/azurestackcloud.json": stackJSON,
		}, want: "core.usgovcloudapi.net"},
		{name: "from the Secret", secret: map[string]string{KeyBlobEndpointSuffix: "core.chinacloudapi.cn\n"}, want: "core.chinacloudapi.cn"},
		{name: "from the ConfigMap", config: map[string]string{KeyBlobEndpointSuffix: "core.chinacloudapi.cn"}, want: "core.chinacloudapi.cn"},
		{name: "blank setting is unset", config: map[string]string{KeyBlobEndpointSuffix: " \n"}, want: "core.windows.net"},
		{name: "Azure Stack Hub without azurestackcloud.json", nodes: map[string]string{"etc/kubernetes/azure.json": stackCloud},
			wantErr: "/etc/kubernetes/azure.json says cloud AzureStackCloud, but /etc/kubernetes/azurestackcloud.json: open "},
		{name: "Azure Stack Hub without a suffix", nodes: map[string]string{
			"etc/kubernetes/azure.json": stackCloud, "etc/kubernetes/azurestackcloud.json": `{"name": "AzureStackCloud"}`,
		}, wantErr: "/etc/kubernetes/azurestackcloud.json has no storageEndpointSuffix (set PERISCOPE_BLOB_ENDPOINT_SUFFIX)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, configDir, secretDir := t.TempDir(), t.TempDir(), t.TempDir()
			writeFiles(t, root, tt.nodes)
			writeFiles(t, configDir, tt.config)
			writeFiles(t, secretDir, tt.secret)
			env := map[string]string{EnvRootPath: root, settings.EnvConfigDir: configDir, settings.EnvSecretDir: secretDir}
			for k, v := range tt.env {
				env[k] = v
			}
			got, err := retrieve(t, newTestProvider(env, "h"), "periscope:azure_blob_endpoint_suffix")
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// A destination setting is found in the environment, else the Secret, else
// the ConfigMap, and typed as ${env:…} types it.
func TestDestinationSettings(t *testing.T) {
	configDir, secretDir := t.TempDir(), t.TempDir()
	writeFiles(t, configDir, map[string]string{
		KeyBlobServiceURL:         "http://from-configmap:10000/devstoreaccount1",
		"PERISCOPE_OTLP_ENDPOINT": "collector.observability:4317\n",
		"PERISCOPE_OTLP_INSECURE": "true\n",
	})
	writeFiles(t, secretDir, map[string]string{
		KeyBlobServiceURL:                       "http://from-secret:10000/devstoreaccount1",
		"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:1/",
	})
	env := map[string]string{settings.EnvConfigDir: configDir, settings.EnvSecretDir: secretDir}
	raw := func(p *provider, key string) any {
		t.Helper()
		r, err := p.Retrieve(context.Background(), "periscope:setting:"+key, nil)
		require.NoError(t, err)
		v, err := r.AsRaw()
		require.NoError(t, err)
		return v
	}
	p := newTestProvider(env, "h")
	assert.Equal(t, "http://from-secret:10000/devstoreaccount1", raw(p, KeyBlobServiceURL), "the Secret before the ConfigMap")
	assert.Equal(t, "collector.observability:4317", raw(p, "PERISCOPE_OTLP_ENDPOINT"))
	assert.Equal(t, true, raw(p, "PERISCOPE_OTLP_INSECURE"), "typed like ${env:…}: a bool field gets a bool")
	assert.Equal(t, "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:1/", raw(p, "APPLICATIONINSIGHTS_CONNECTION_STRING"))
	assert.Nil(t, raw(p, "PERISCOPE_UNSET_SETTING"), "unset leaves the field at its default")

	env[KeyBlobServiceURL] = "http://from-env:10000/devstoreaccount1"
	assert.Equal(t, "http://from-env:10000/devstoreaccount1", raw(newTestProvider(env, "h"), KeyBlobServiceURL), "the environment first")

	_, err := newTestProvider(env, "h").Retrieve(context.Background(), "periscope:other:KEY", nil)
	assert.ErrorContains(t, err, "kinds are list, paths, secret and setting")
}
