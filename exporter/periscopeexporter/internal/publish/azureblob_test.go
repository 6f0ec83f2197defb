package publish

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/periscope-otel/periscope/test/azurite"
)

var containerSeq atomic.Int64

// newContainerName is a fresh container per test, so tests do not see each
// other's blobs.
func newContainerName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, containerSeq.Add(1))
}

// azuriteConfig is an account-SAS config against the test server; one try
// per request, so failure tests do not wait on back-off.
func azuriteConfig(t testing.TB, container string) AzureBlobConfig {
	t.Helper()
	token, err := azurite.AccountSAS(time.Now().Add(time.Hour))
	require.NoError(t, err)
	c := DefaultAzureBlobConfig()
	c.ServiceURL = server.BlobURL
	c.Container = container
	c.SASToken = configopaque.String("?" + token) // as Periscope's secret holds it
	c.Upload.MaxTries = 1
	return c
}

func signatureOf(t testing.TB, token string) string {
	t.Helper()
	q, err := url.ParseQuery(token)
	require.NoError(t, err)
	require.NotEmpty(t, q.Get("sig"))
	return q.Get("sig")
}

// publishTo publishes the fixture run with cfg and returns the run, the
// record and the error.
func publishTo(t *testing.T, cfg AzureBlobConfig) (Run, *Status, error) {
	t.Helper()
	store, err := NewAzureStore(&cfg)
	require.NoError(t, err)
	run := spooledRun(t, t.TempDir())
	st, err := New(store).Publish(context.Background(), run)
	return run, st, err
}

// Each way of signing in delivers the same blobs.
func TestAzureAuthModesDeliverTheRun(t *testing.T) {
	tests := []struct {
		name   string
		config func(t *testing.T, container string) AzureBlobConfig
	}{
		{"account SAS with leading ?", func(t *testing.T, container string) AzureBlobConfig {
			return azuriteConfig(t, container)
		}},
		{"account SAS without leading ?", func(t *testing.T, container string) AzureBlobConfig {
			c := azuriteConfig(t, container)
			c.SASToken = c.SASToken[1:]
			return c
		}},
		{"account name and endpoint from a connection string", func(t *testing.T, container string) AzureBlobConfig {
			c := DefaultAzureBlobConfig()
			c.Auth, c.Container, c.Upload.MaxTries = "connection_string", container, 1
			c.ConnectionString = configopaque.String(server.ConnectionString())
			return c
		}},
		{"container SAS on an existing container", func(t *testing.T, container string) AzureBlobConfig {
			require.NoError(t, server.CreateContainer(context.Background(), container))
			token, err := azurite.ContainerSAS(container, time.Now().Add(time.Hour))
			require.NoError(t, err)
			c := azuriteConfig(t, container)
			c.Auth, c.SASToken = "container_sas", configopaque.String(token)
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			container := newContainerName("auth")
			run, st, err := publishTo(t, tt.config(t, container))
			require.NoError(t, err)
			assert.True(t, st.Delivered)

			blobs, err := server.Blobs(context.Background(), container)
			require.NoError(t, err)
			names := make([]string, 0, len(blobs))
			for n := range blobs {
				names = append(names, n)
			}
			assert.ElementsMatch(t, []string{
				"2026-11-28T12-00-00Z/node-a/kubernetes",
				"2026-11-28T12-00-00Z/node-a/periscope-errors.log",
				"2026-11-28T12-00-00Z/node-a/virtualmachine",
				"2026-11-28T12-00-00Z/node-a/node-a.zip",
				"2026-11-28T12-00-00Z/node-a/status.json",
			}, names, "blob names keep their slashes")
			assert.Equal(t, "nameserver 168.63.129.16\n", string(blobs["2026-11-28T12-00-00Z/node-a/virtualmachine"].Content))
			local, err := ReadStatus(run.Dir)
			require.NoError(t, err)
			assert.JSONEq(t, string(mustRead(t, filepath.Join(run.Dir, "status.json"))),
				string(blobs["2026-11-28T12-00-00Z/node-a/status.json"].Content))
			assert.True(t, local.Delivered)
		})
	}
}

// Each way a delivery fails gives an error naming the cause, recorded in
// the spool's status.json, and never shows the signature.
func TestAzureFailuresNameTheCauseWithoutTheSignature(t *testing.T) {
	closedURL, err := azurite.ClosedPortURL(t)
	require.NoError(t, err)
	tests := []struct {
		name   string
		config func(t *testing.T) AzureBlobConfig
		want   string
	}{
		{"expired account SAS", func(t *testing.T) AzureBlobConfig {
			c := azuriteConfig(t, newContainerName("expired"))
			token, err := azurite.AccountSAS(time.Now().Add(-time.Hour))
			require.NoError(t, err)
			c.SASToken = configopaque.String("?" + token)
			return c
		}, "authentication failed: the SAS token expired at"},
		{"container SAS for a container that does not exist", func(t *testing.T) AzureBlobConfig {
			name := newContainerName("missing")
			token, err := azurite.ContainerSAS(name, time.Now().Add(time.Hour))
			require.NoError(t, err)
			c := azuriteConfig(t, name)
			c.Auth, c.SASToken = "container_sas", configopaque.String(token)
			return c
		}, "does not exist, and auth container_sas cannot create it [HTTP 404 ContainerNotFound]"},
		{"container SAS signed for another container", func(t *testing.T) AzureBlobConfig {
			other := newContainerName("other")
			require.NoError(t, server.CreateContainer(context.Background(), other))
			token, err := azurite.ContainerSAS(other, time.Now().Add(time.Hour))
			require.NoError(t, err)
			c := azuriteConfig(t, newContainerName("wrong"))
			c.Auth, c.SASToken = "container_sas", configopaque.String(token)
			return c
		}, "HTTP 403"},
		{"unreachable endpoint", func(t *testing.T) AzureBlobConfig {
			c := azuriteConfig(t, newContainerName("closed"))
			c.ServiceURL = closedURL
			return c
		}, "unreachable: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.config(t)
			sig := signatureOf(t, cfg.sasQuery())
			run, st, err := publishTo(t, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), sig)
			assert.NotContains(t, err.Error(), url.QueryEscape(sig))
			t.Log(err)

			assert.False(t, st.Delivered)
			assert.FileExists(t, filepath.Join(run.Dir, PendingMarker))
			record := string(mustRead(t, filepath.Join(run.Dir, "status.json")))
			assert.Contains(t, record, `"delivered": false`)
			assert.Contains(t, record, jsonString(t, err.Error()))
			assert.NotContains(t, record, sig)
		})
	}
}

// The SDK's own retry policy retries a refused connection max_tries times.
func TestAzureUnreachableEndpointIsRetriedMaxTries(t *testing.T) {
	closedURL, err := azurite.ClosedPortURL(t)
	require.NoError(t, err)
	cfg := azuriteConfig(t, "retries")
	cfg.ServiceURL = closedURL
	cfg.Upload.MaxTries, cfg.Upload.RetryDelay, cfg.Upload.MaxRetryDelay = 3, time.Millisecond, time.Millisecond
	store, err := NewAzureStore(&cfg)
	require.NoError(t, err)
	err = store.Upload(context.Background(), "r/n/f", filepath.Join(t.TempDir(), "absent"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `create container "retries": blob service `+closedURL+`/retries unreachable`)
	assert.Contains(t, err.Error(), "connection refused")
}

// Publishing a node run again (publish_interval) uploads only the items
// that changed since, then the zip and status.json; another publisher (a
// restarted collector) knows nothing was uploaded and sends everything.
func TestPublishingAgainUploadsOnlyChangedItems(t *testing.T) {
	container := newContainerName("again")
	cfg := azuriteConfig(t, container)
	store, err := NewAzureStore(&cfg)
	require.NoError(t, err)
	run := spooledRun(t, t.TempDir())
	p := New(store)
	_, err = p.Publish(context.Background(), run)
	require.NoError(t, err)
	first, err := server.Blobs(context.Background(), container)
	require.NoError(t, err)

	errorsLog := filepath.Join(run.Dir, "periscope-errors.log")
	f, err := os.OpenFile(errorsLog, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("nodelogs/y: permission denied\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.WriteFile(filepath.Join(run.Dir, "node-a.zip"), []byte("PK fixture bytes, rewritten"), 0o644))
	st, err := p.Publish(context.Background(), run)
	require.NoError(t, err)
	assert.True(t, st.Delivered)
	second, err := server.Blobs(context.Background(), container)
	require.NoError(t, err)

	const prefix = "2026-11-28T12-00-00Z/node-a/"
	for _, same := range []string{"virtualmachine", "kubernetes"} {
		assert.Equal(t, first[prefix+same].ETag, second[prefix+same].ETag, "%s did not change: not uploaded again", same)
	}
	for _, changed := range []string{"periscope-errors.log", "node-a.zip", "status.json"} {
		assert.NotEqual(t, first[prefix+changed].ETag, second[prefix+changed].ETag, "%s uploaded again", changed)
	}
	assert.Equal(t, string(mustRead(t, errorsLog)), string(second[prefix+"periscope-errors.log"].Content))
	assert.Equal(t, "PK fixture bytes, rewritten", string(second[prefix+"node-a.zip"].Content))

	_, err = New(store).Publish(context.Background(), run)
	require.NoError(t, err)
	third, err := server.Blobs(context.Background(), container)
	require.NoError(t, err)
	for name := range first {
		assert.NotEqual(t, second[name].ETag, third[name].ETag, "%s uploaded by a new publisher", name)
	}
}

// A SAS token's expiry (se) is known without asking the service: periodic
// updates stop at it instead of failing a delivered run at every tick.
func TestExpiredNamesAnExpiredSAS(t *testing.T) {
	cfg := azuriteConfig(t, newContainerName("expiry"))
	store, err := NewAzureStore(&cfg)
	require.NoError(t, err)
	p := New(store)
	assert.Empty(t, p.Expired(), "the SAS is valid for an hour")
	p.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	assert.Regexp(t, `^the SAS token expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, p.Expired())

	cs := DefaultAzureBlobConfig()
	cs.Auth, cs.Container = "connection_string", "expiry-none"
	cs.ConnectionString = configopaque.String(server.ConnectionString())
	store, err = NewAzureStore(&cs)
	require.NoError(t, err)
	p = New(store)
	p.now = func() time.Time { return time.Now().Add(100 * 365 * 24 * time.Hour) }
	assert.Empty(t, p.Expired(), "an account key does not expire")
	assert.Empty(t, New(nil).Expired(), "a local directory does not expire")
}
