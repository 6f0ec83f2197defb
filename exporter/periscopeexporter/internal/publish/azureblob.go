package publish

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
)

// authMode is one way of signing in: what it needs, how it builds the
// container client, and whether it may create the container.
type authMode struct {
	validate         func(*AzureBlobConfig) error
	client           func(c *AzureBlobConfig, name string, opts *container.ClientOptions) (*container.Client, error)
	createsContainer bool
}

var authModes = map[string]authMode{
	// An account SAS (Periscope's AZURE_BLOB_SAS_KEY; the Azure CLI makes
	// one with services b, resource types sco).
	"account_sas": {
		validate: func(c *AzureBlobConfig) error {
			return errors.Join(needAccount(c), checkSAS(c),
				notWith(c, map[string]bool{"connection_string": c.ConnectionString != ""}))
		},
		client: func(c *AzureBlobConfig, name string, opts *container.ClientOptions) (*container.Client, error) {
			svc, err := service.NewClientWithNoCredential(c.serviceURL()+"/?"+c.sasQuery(), (*service.ClientOptions)(opts))
			if err != nil {
				return nil, err
			}
			return svc.NewContainerClient(name), nil
		},
		createsContainer: true,
	},
	// A SAS for one existing container (Periscope's
	// AZURE_STORAGE_SAS_KEY_TYPE=Container): it cannot create it.
	"container_sas": {
		validate: func(c *AzureBlobConfig) error {
			return errors.Join(needAccount(c), checkSAS(c),
				notWith(c, map[string]bool{"connection_string": c.ConnectionString != ""}))
		},
		client: func(c *AzureBlobConfig, name string, opts *container.ClientOptions) (*container.Client, error) {
			return container.NewClientWithNoCredential(c.serviceURL()+"/"+name+"?"+c.sasQuery(), opts)
		},
	},
	// A connection string with the account key (or its own SAS); it holds
	// the endpoint, so account, suffix and service URL do not apply.
	"connection_string": {
		validate: func(c *AzureBlobConfig) error {
			if c.ConnectionString == "" {
				return errors.New("azure_blob.connection_string must be set with auth connection_string")
			}
			return notWith(c, map[string]bool{
				"sas_token": c.SASToken != "", "account_name": c.AccountName != "", "service_url": c.ServiceURL != "",
			})
		},
		client: func(c *AzureBlobConfig, name string, opts *container.ClientOptions) (*container.Client, error) {
			return container.NewClientFromConnectionString(string(c.ConnectionString), name, opts)
		},
		createsContainer: true,
	},
	// Microsoft Entra ID through DefaultAzureCredential: workload identity,
	// managed identity, or AZURE_* environment credentials.
	"azure_ad": {
		validate: func(c *AzureBlobConfig) error {
			return errors.Join(needAccount(c),
				notWith(c, map[string]bool{"sas_token": c.SASToken != "", "connection_string": c.ConnectionString != ""}))
		},
		client: func(c *AzureBlobConfig, name string, opts *container.ClientOptions) (*container.Client, error) {
			cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: opts.ClientOptions})
			if err != nil {
				return nil, fmt.Errorf("azure_ad credential: %w", err)
			}
			return container.NewClient(c.serviceURL()+"/"+name, cred, opts)
		},
		createsContainer: true,
	},
}

// AzureStore uploads to one container of Azure Blob Storage.
type AzureStore struct {
	auth           string
	container      string
	where          string
	client         *container.Client
	createsIt      bool
	upload         UploadConfig
	redactor       *redactor
	sasExpiry      time.Time
	mu             sync.Mutex
	containerReady bool // the container is known to exist
}

// NewAzureStore builds the client; it does not contact the service, so a
// network that is down at start delays nothing but the upload.
func NewAzureStore(c *AzureBlobConfig) (*AzureStore, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	name, _ := c.ContainerName()
	mode := authModes[c.Auth]
	opts := &container.ClientOptions{ClientOptions: policy.ClientOptions{
		Retry: policy.RetryOptions{
			MaxRetries:    int32(c.Upload.MaxTries - 1),
			TryTimeout:    c.Upload.TryTimeout,
			RetryDelay:    c.Upload.RetryDelay,
			MaxRetryDelay: c.Upload.MaxRetryDelay,
		},
	}}
	if c.Upload.MaxTries == 1 {
		opts.Retry.MaxRetries = -1 // the SDK reads 0 as its default of 3
	}
	r := newRedactor(string(c.SASToken), string(c.ConnectionString))
	client, err := mode.client(c, name, opts)
	if err != nil {
		return nil, errors.New(r.redact(fmt.Sprintf("azure_blob client (auth %s): %v", c.Auth, err)))
	}
	s := &AzureStore{
		auth: c.Auth, container: name, client: client, createsIt: mode.createsContainer,
		upload: c.Upload, redactor: r,
		where: r.redact(stripQuery(client.URL())),
	}
	if q, err := url.ParseQuery(c.sasQuery()); err == nil && q.Get("se") != "" {
		s.sasExpiry = parseSASTime(q.Get("se"))
	}
	return s, nil
}

// CredentialExpiry is when the SAS token stops working (its se field);
// zero when the credential has no known end.
func (s *AzureStore) CredentialExpiry() time.Time { return s.sasExpiry }

// Where is the container URL, without any SAS.
func (s *AzureStore) Where() string { return s.where }

// Upload streams file to the blob name: the SDK's UploadFile reads the file
// in blocks of upload.block_size, upload.concurrency at a time, so a large
// node log never sits in memory. The SDK's retry policy retries each request.
func (s *AzureStore) Upload(ctx context.Context, name, file string) error {
	if err := s.ensureContainer(ctx); err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	defer f.Close()
	_, err = s.client.NewBlockBlobClient(name).UploadFile(ctx, f, &blockblob.UploadFileOptions{
		BlockSize:   s.upload.BlockSize,
		Concurrency: uint16(s.upload.Concurrency),
	})
	if err != nil {
		return s.explain("upload "+name, err)
	}
	return nil
}

// ensureContainer creates the container once where the credential may; a
// container SAS can only use an existing one, which the first upload checks.
func (s *AzureStore) ensureContainer(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.containerReady || !s.createsIt {
		return nil
	}
	_, err := s.client.Create(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return s.explain(fmt.Sprintf("create container %q", s.container), err)
	}
	s.containerReady = true
	return nil
}

// authDetail is the service's own explanation of an authentication failure.
var authDetail = regexp.MustCompile(`(?s)<AuthenticationErrorDetail>(.*?)</AuthenticationErrorDetail>`)

// explain turns an SDK error into one line naming the cause, without
// secrets: the SDK's text holds the response body and, for transport
// errors, the request URL with its SAS.
func (s *AzureStore) explain(what string, err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s: stopped before it completed: %s", what, s.redactor.redact(err.Error()))
		}
		return fmt.Errorf("%s: blob service %s unreachable: %s", what, s.where, s.redactor.redact(oneLine(err.Error())))
	}
	code := bloberror.Code(re.ErrorCode)
	var why string
	switch {
	case code == bloberror.ContainerNotFound && !s.createsIt:
		why = fmt.Sprintf("container %q does not exist, and auth %s cannot create it", s.container, s.auth)
	case code == bloberror.ContainerNotFound:
		why = fmt.Sprintf("container %q does not exist (deleted during the run?)", s.container)
	case re.StatusCode == 403 && !s.sasExpiry.IsZero() && time.Now().After(s.sasExpiry):
		// The service words this differently (Azure: AuthenticationFailed,
		// Azurite: AuthorizationFailure); the expiry is the cause either way.
		why = fmt.Sprintf("authentication failed: the SAS token expired at %s", s.sasExpiry.UTC().Format(time.RFC3339))
	case code == bloberror.AuthenticationFailed:
		why = "authentication failed"
		if m := authDetail.FindStringSubmatch(re.Error()); m != nil {
			why += " (" + strings.TrimSpace(m[1]) + ")"
		}
	case code == bloberror.AuthorizationPermissionMismatch, code == bloberror.AuthorizationFailure,
		code == bloberror.AuthorizationResourceTypeMismatch, code == bloberror.AuthorizationServiceMismatch:
		why = "the credential is not allowed to do this (SAS permissions, services or resource types, or the identity's role)"
	case re.StatusCode == 403:
		why = "access denied"
	default:
		why = "the blob service refused it"
	}
	return fmt.Errorf("%s: %s [HTTP %d %s]", what, s.redactor.redact(why), re.StatusCode, re.ErrorCode)
}

// parseSASTime reads a SAS start or expiry: a UTC date with or without a
// time of day; zero when it is neither.
func parseSASTime(v string) time.Time {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

func stripQuery(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
