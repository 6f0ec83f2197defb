package publish

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
)

// AzureBlobConfig is the Azure Blob Storage destination (`azure_blob:`).
type AzureBlobConfig struct {
	// Auth is how the exporter signs in: account_sas, container_sas,
	// connection_string or azure_ad (see authModes).
	Auth string `mapstructure:"auth"`
	// AccountName is the storage account (Periscope: AZURE_BLOB_ACCOUNT_NAME).
	AccountName string `mapstructure:"account_name"`
	// SASToken is an account or container SAS, with or without its
	// leading "?" (Periscope: AZURE_BLOB_SAS_KEY).
	SASToken configopaque.String `mapstructure:"sas_token"`
	// ConnectionString holds endpoint and key (auth connection_string).
	ConnectionString configopaque.String `mapstructure:"connection_string"`
	// Container receives the runs (Periscope: AZURE_BLOB_CONTAINER_NAME);
	// derived from APIServerFQDN as the Azure CLI does when empty.
	Container string `mapstructure:"container"`
	// APIServerFQDN is the cluster's API server FQDN, for the default container.
	APIServerFQDN string `mapstructure:"api_server_fqdn"`
	// EndpointSuffix is the cloud's storage suffix (sovereign clouds, Azure Stack).
	EndpointSuffix string `mapstructure:"endpoint_suffix"`
	// ServiceURL replaces https://<account>.blob.<endpoint_suffix> (Azurite,
	// private endpoints with custom names).
	ServiceURL string `mapstructure:"service_url"`
	// Upload tunes the transfers.
	Upload UploadConfig `mapstructure:"upload"`
}

// UploadConfig tunes the SDK's streaming uploads and its retry policy.
type UploadConfig struct {
	// BlockSize is the size of one staged block of a large file (bytes).
	BlockSize int64 `mapstructure:"block_size"`
	// Concurrency is how many blocks of one file travel at once.
	Concurrency int `mapstructure:"concurrency"`
	// MaxTries is how many times one request is tried (1 = no retry).
	MaxTries int `mapstructure:"max_tries"`
	// TryTimeout bounds one try of one request; 0 means no bound.
	TryTimeout time.Duration `mapstructure:"try_timeout"`
	// RetryDelay is the first pause between tries, doubled up to MaxRetryDelay.
	RetryDelay    time.Duration `mapstructure:"retry_delay"`
	MaxRetryDelay time.Duration `mapstructure:"max_retry_delay"`
}

// Limits of the Blob service (block blobs).
const (
	minBlockSize = 64 << 10   // below this a large file needs more than 50,000 blocks long before the service's limit
	maxBlockSize = 4000 << 20 // the service's largest block
)

// DefaultAzureBlobConfig is the default of every field.
func DefaultAzureBlobConfig() AzureBlobConfig {
	return AzureBlobConfig{
		Auth:           "account_sas",
		EndpointSuffix: "core.windows.net",
		Upload: UploadConfig{
			BlockSize:     8 << 20,
			Concurrency:   4,
			MaxTries:      4,
			RetryDelay:    time.Second,
			MaxRetryDelay: 30 * time.Second,
		},
	}
}

// Validate names the first bad field and its value (secrets by name only).
func (c *AzureBlobConfig) Validate() error {
	mode, ok := authModes[c.Auth]
	if !ok {
		names := make([]string, 0, len(authModes))
		for n := range authModes {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("azure_blob.auth %q is not one of %s", c.Auth, strings.Join(names, ", "))
	}
	errs := []error{mode.validate(c)}
	if _, err := c.ContainerName(); err != nil {
		errs = append(errs, err)
	}
	if c.ServiceURL != "" {
		u, err := url.Parse(c.ServiceURL)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("azure_blob.service_url %q: %w", c.ServiceURL, err))
		case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
			errs = append(errs, fmt.Errorf("azure_blob.service_url %q must be an http(s) URL with a host", c.ServiceURL))
		case u.RawQuery != "":
			errs = append(errs, fmt.Errorf("azure_blob.service_url must not hold a query (put a SAS in sas_token)"))
		}
	}
	u := c.Upload
	if u.BlockSize < minBlockSize || u.BlockSize > maxBlockSize {
		errs = append(errs, fmt.Errorf("azure_blob.upload.block_size %d must be between %d and %d bytes", u.BlockSize, minBlockSize, maxBlockSize))
	}
	if u.Concurrency < 1 || u.Concurrency > 64 {
		errs = append(errs, fmt.Errorf("azure_blob.upload.concurrency %d must be between 1 and 64", u.Concurrency))
	}
	if u.MaxTries < 1 {
		errs = append(errs, fmt.Errorf("azure_blob.upload.max_tries %d must be at least 1", u.MaxTries))
	}
	if u.TryTimeout < 0 || u.RetryDelay < 0 || u.MaxRetryDelay < 0 {
		errs = append(errs, errors.New("azure_blob.upload durations must not be negative"))
	}
	return errors.Join(errs...)
}

// ContainerName is the configured container, else the one the Azure CLI
// derives from the API server FQDN.
func (c *AzureBlobConfig) ContainerName() (string, error) {
	if c.Container != "" {
		if err := checkContainerName(c.Container); err != nil {
			return "", fmt.Errorf("azure_blob.container: %w", err)
		}
		return c.Container, nil
	}
	if c.APIServerFQDN == "" {
		return "", errors.New("azure_blob.container is empty and no azure_blob.api_server_fqdn to derive it from")
	}
	name := ContainerNameFromFQDN(c.APIServerFQDN)
	if err := checkContainerName(name); err != nil {
		return "", fmt.Errorf("azure_blob.api_server_fqdn %q gives no usable container: %w", c.APIServerFQDN, err)
	}
	return name, nil
}

// serviceURL is the Blob service endpoint, without a trailing slash.
func (c *AzureBlobConfig) serviceURL() string {
	if c.ServiceURL != "" {
		return strings.TrimRight(c.ServiceURL, "/")
	}
	return "https://" + c.AccountName + ".blob." + strings.Trim(c.EndpointSuffix, ".")
}

// sasQuery is the SAS token without its optional leading "?".
func (c *AzureBlobConfig) sasQuery() string {
	return strings.TrimPrefix(strings.TrimSpace(string(c.SASToken)), "?")
}

// needAccount checks what the service URL is built from.
func needAccount(c *AzureBlobConfig) error {
	if c.ServiceURL == "" && c.AccountName == "" {
		return fmt.Errorf("azure_blob.account_name must be set (or azure_blob.service_url) with auth %s", c.Auth)
	}
	if c.ServiceURL == "" && c.EndpointSuffix == "" {
		return errors.New("azure_blob.endpoint_suffix must not be empty")
	}
	return nil
}

// checkSAS refuses an empty SAS or one that is not a query string.
func checkSAS(c *AzureBlobConfig) error {
	q := c.sasQuery()
	if q == "" {
		return fmt.Errorf("azure_blob.sas_token must be set with auth %s", c.Auth)
	}
	v, err := url.ParseQuery(q)
	if err != nil || v.Get("sig") == "" {
		// The value itself stays out of the message: it is a secret.
		return errors.New("azure_blob.sas_token is not a SAS token (a query string with sig=…)")
	}
	return nil
}

// notWith refuses fields that a mode would silently ignore.
func notWith(c *AzureBlobConfig, fields map[string]bool) error {
	var errs []error
	for name, set := range fields {
		if set {
			errs = append(errs, fmt.Errorf("azure_blob.%s does not apply to auth %s", name, c.Auth))
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}
