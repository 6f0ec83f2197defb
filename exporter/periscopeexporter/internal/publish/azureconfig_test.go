package publish

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
)

const testSAS = "?sv=2025-01-05&ss=b&srt=sco&sp=rwdlacup&se=2026-11-29T00:00:00Z&sig=c2lnbmF0dXJlLXNlY3JldA%3D%3D"

func TestAzureBlobConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*AzureBlobConfig)
		errs   []string // every one must appear; none means valid
	}{
		{"account SAS with leading ?", func(c *AzureBlobConfig) {}, nil},
		{"account SAS without leading ?", func(c *AzureBlobConfig) { c.SASToken = configopaque.String(testSAS[1:]) }, nil},
		{"container from the API server FQDN", func(c *AzureBlobConfig) {
			c.Container = ""
			c.APIServerFQDN = "mycluster-dns-1a2b3c4d.hcp.eastus.azmk8s.io"
		}, nil},
		{"service URL instead of account", func(c *AzureBlobConfig) {
			c.AccountName = ""
			c.ServiceURL = "http://127.0.0.1:10000/devstoreaccount1"
		}, nil},
		{"connection string", func(c *AzureBlobConfig) {
			c.Auth, c.AccountName, c.SASToken = "connection_string", "", ""
			c.ConnectionString = "UseDevelopmentStorage=true"
		}, nil},
		{"azure_ad", func(c *AzureBlobConfig) { c.Auth, c.SASToken = "azure_ad", "" }, nil},
		{"unknown auth", func(c *AzureBlobConfig) { c.Auth = "key" },
			[]string{`azure_blob.auth "key" is not one of account_sas, azure_ad, connection_string, container_sas`}},
		{"no SAS", func(c *AzureBlobConfig) { c.SASToken = "" }, []string{"azure_blob.sas_token must be set with auth account_sas"}},
		{"SAS without signature", func(c *AzureBlobConfig) { c.SASToken = "sv=2025&sp=r" },
			[]string{"azure_blob.sas_token is not a SAS token"}},
		{"no account", func(c *AzureBlobConfig) { c.AccountName = "" },
			[]string{"azure_blob.account_name must be set (or azure_blob.service_url) with auth account_sas"}},
		{"no container, no FQDN", func(c *AzureBlobConfig) { c.Container = "" },
			[]string{"azure_blob.container is empty and no azure_blob.api_server_fqdn to derive it from"}},
		{"bad container", func(c *AzureBlobConfig) { c.Container = "Periscope" },
			[]string{`azure_blob.container: container name "Periscope" may hold only lowercase letters`}},
		{"FQDN giving no usable name", func(c *AzureBlobConfig) { c.Container, c.APIServerFQDN = "", "ab" },
			[]string{`azure_blob.api_server_fqdn "ab" gives no usable container`}},
		{"connection string with SAS and account", func(c *AzureBlobConfig) {
			c.Auth = "connection_string"
			c.ConnectionString = "UseDevelopmentStorage=true"
		}, []string{"azure_blob.account_name does not apply to auth connection_string", "azure_blob.sas_token does not apply to auth connection_string"}},
		{"connection string missing", func(c *AzureBlobConfig) { c.Auth, c.AccountName, c.SASToken = "connection_string", "", "" },
			[]string{"azure_blob.connection_string must be set with auth connection_string"}},
		{"azure_ad with a SAS", func(c *AzureBlobConfig) { c.Auth = "azure_ad" },
			[]string{"azure_blob.sas_token does not apply to auth azure_ad"}},
		{"service URL with a query", func(c *AzureBlobConfig) { c.ServiceURL = "https://a.blob.core.windows.net/?sig=x" },
			[]string{"azure_blob.service_url must not hold a query"}},
		{"service URL without scheme", func(c *AzureBlobConfig) { c.ServiceURL = "a.blob.core.windows.net" },
			[]string{`azure_blob.service_url "a.blob.core.windows.net" must be an http(s) URL with a host`}},
		{"bad upload tuning", func(c *AzureBlobConfig) { c.Upload.BlockSize, c.Upload.Concurrency, c.Upload.MaxTries = 10, 0, 0 },
			[]string{"azure_blob.upload.block_size 10 must be between", "azure_blob.upload.concurrency 0", "azure_blob.upload.max_tries 0 must be at least 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultAzureBlobConfig()
			c.AccountName, c.Container, c.SASToken = "acct", "periscope", testSAS
			tt.modify(&c)
			err := c.Validate()
			if len(tt.errs) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tt.errs {
				assert.Contains(t, err.Error(), want)
			}
			assert.NotContains(t, err.Error(), "c2lnbmF0dXJl", "no message shows the signature")
		})
	}
}

func TestServiceURLFromAccountAndSuffix(t *testing.T) {
	c := DefaultAzureBlobConfig()
	c.AccountName = "acct"
	assert.Equal(t, "https://acct.blob.core.windows.net", c.serviceURL())
	c.EndpointSuffix = "core.chinacloudapi.cn"
	assert.Equal(t, "https://acct.blob.core.chinacloudapi.cn", c.serviceURL())
	c.ServiceURL = "http://127.0.0.1:10000/devstoreaccount1/"
	assert.Equal(t, "http://127.0.0.1:10000/devstoreaccount1", c.serviceURL())
}
