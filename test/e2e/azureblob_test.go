package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/azurite"
)

// blobTree maps a container's blobs like readTree maps a folder (zip
// entries as "<zip>!<entry>", status.json left out: it carries times).
func blobTree(t *testing.T, blobs map[string]azurite.Blob) map[string]string {
	t.Helper()
	tree := map[string]string{}
	for name, b := range blobs {
		switch {
		case strings.HasSuffix(name, "/status.json"), strings.HasSuffix(name, "/report.html"):
		case strings.HasSuffix(name, ".zip"):
			zr, err := zip.NewReader(bytes.NewReader(b.Content), int64(len(b.Content)))
			require.NoError(t, err)
			for _, f := range zr.File {
				rc, err := f.Open()
				require.NoError(t, err)
				data, err := io.ReadAll(rc)
				rc.Close()
				require.NoError(t, err)
				tree[name+"!"+f.Name] = string(data)
			}
		default:
			tree[name] = string(b.Content)
		}
	}
	return tree
}

// Periscope's whole contract through the binary: the azureblob distribution
// (what deployment/ runs) reads the Secret's settings, collects the node
// once and uploads the run-ID tree and zip to a real Blob API (Azurite).
// An expired SAS makes the run exit 2, naming the cause, never the token.
func TestAzureBlobDistributionUploadsTheRun(t *testing.T) {
	server, err := azurite.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = server.Stop() })

	run := func(t *testing.T, sas string) (result, string) {
		work := t.TempDir()
		res := runCollector(t, work, map[string]string{
			// The connectivity probes target public hosts: never from tests.
			"PERISCOPE_DISABLE_COLLECTORS": "networkoutbound kubeobjects systemperf pdb",
			"PERISCOPE_ROOT_PATH":          fixture(t, "noderoot-azure"),
			"PERISCOPE_POD_RESOLV_CONF":    fixture(t, "pod-resolv.conf"),
			"PERISCOPE_JOURNAL_ROOT_PATH":  fixture(t, "noderoot-azure"),
			"PERISCOPE_OUTPUT_DIR":         filepath.Join(work, "spool"),
			"PERISCOPE_STATE_DIR":          filepath.Join(work, "state"),
			"PERISCOPE_BLOB_SERVICE_URL":   server.BlobURL,
			"DIAGNOSTIC_RUN_ID":            runID,
			"HOST_NODE_NAME":               "node-3",
			"AZURE_BLOB_ACCOUNT_NAME":      "devstoreaccount1",
			"AZURE_BLOB_CONTAINER_NAME":    "mycluster-dns-1a2b3c4d",
			"AZURE_BLOB_SAS_KEY":           sas,
		}, "--config", filepath.Join(repoRoot, "distributions/azureblob/config.yaml"), "--once")
		return res, work
	}

	t.Run("delivered", func(t *testing.T) {
		sas, err := azurite.AccountSAS(time.Now().Add(time.Hour))
		require.NoError(t, err)
		res, _ := run(t, "?"+strings.TrimPrefix(sas, "?"))
		require.Equal(t, 0, res.code, res.stderr)
		blobs, err := server.Blobs(context.Background(), "mycluster-dns-1a2b3c4d")
		require.NoError(t, err)
		tree := blobTree(t, blobs)
		splitDiagnoses(t, tree, runID, "node-3")
		want := withErrors(azureNodeTree(t, runID, "node-3", "pod-resolv.conf", logsCopied), runID, "node-3", noJournalctl(fixture(t, "noderoot-azure")))
		assert.Equal(t, sortedErrors(want), sortedErrors(tree))
		assert.Contains(t, blobs, runID+"/node-3/status.json")
		assert.Contains(t, res.stderr, "periscope: output written to ")
	})

	t.Run("expired SAS", func(t *testing.T) {
		sas, err := azurite.AccountSAS(time.Now().Add(-time.Hour))
		require.NoError(t, err)
		res, work := run(t, sas)
		assert.Equal(t, 2, res.code, res.stderr)
		assert.Contains(t, res.stderr, "expired")
		sig := sas[strings.Index(sas, "sig=")+len("sig="):]
		if i := strings.IndexByte(sig, '&'); i >= 0 {
			sig = sig[:i]
		}
		assert.NotContains(t, res.stderr, sig, "the SAS signature never appears in the log")
		status := readStatus(t, filepath.Join(work, "spool", runID, "node-3"))
		assert.False(t, status.Delivered)
	})
}

// Destination settings come from the mounted Secret like Periscope's keys
// (here PERISCOPE_BLOB_SERVICE_URL beside the account, container and SAS),
// and an endpoint whose certificate only the node trusts — Azure Stack
// Hub's, its CA in the node's /etc/ssl/certs/azsCertificate.pem — is
// reached through SSL_CERT_DIR, as the DaemonSet sets it
// (/hostroot/etc/ssl/certs).
func TestAzureBlobDestinationFromTheSecretWithTheNodesCA(t *testing.T) {
	server, err := azurite.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = server.Stop() })
	target, err := url.Parse(server.BlobURL)
	require.NoError(t, err)
	// The storage endpoint with a certificate of its own CA (a TLS proxy
	// in front of Azurite).
	endpoint := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host}))
	t.Cleanup(endpoint.Close)

	work := t.TempDir()
	root := filepath.Join(work, "noderoot")
	require.NoError(t, os.CopyFS(root, os.DirFS(fixture(t, "noderoot-azure"))))
	certs := filepath.Join(root, "etc", "ssl", "certs")
	require.NoError(t, os.MkdirAll(certs, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(certs, "azsCertificate.pem"),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: endpoint.Certificate().Raw}), 0o644))
	sas, err := azurite.AccountSAS(time.Now().Add(time.Hour))
	require.NoError(t, err)
	secretDir := filepath.Join(work, "secret")
	require.NoError(t, os.MkdirAll(secretDir, 0o755))
	for k, v := range map[string]string{
		"AZURE_BLOB_ACCOUNT_NAME":    "devstoreaccount1",
		"AZURE_BLOB_CONTAINER_NAME":  "stackcluster-dns-5e6f7a8b",
		"AZURE_BLOB_SAS_KEY":         "?" + strings.TrimPrefix(sas, "?"),
		"PERISCOPE_BLOB_SERVICE_URL": endpoint.URL + target.Path,
	} {
		require.NoError(t, os.WriteFile(filepath.Join(secretDir, k), []byte(v+"\n"), 0o600))
	}
	run := func(t *testing.T, env map[string]string) result {
		for k, v := range map[string]string{
			"PERISCOPE_SECRET_DIR":         secretDir,
			"PERISCOPE_DISABLE_COLLECTORS": "networkoutbound kubeobjects systemperf pdb",
			"PERISCOPE_ROOT_PATH":          root,
			"PERISCOPE_JOURNAL_ROOT_PATH":  root,
			"PERISCOPE_POD_RESOLV_CONF":    fixture(t, "pod-resolv.conf"),
			"PERISCOPE_OUTPUT_DIR":         filepath.Join(t.TempDir(), "spool"),
			"PERISCOPE_STATE_DIR":          filepath.Join(t.TempDir(), "state"),
			"DIAGNOSTIC_RUN_ID":            runID,
			"HOST_NODE_NAME":               "node-s",
		} {
			env[k] = v
		}
		return runCollector(t, work, env, "--config", filepath.Join(repoRoot, "distributions/azureblob/config.yaml"), "--once")
	}

	t.Run("the node's CA", func(t *testing.T) {
		res := run(t, map[string]string{"SSL_CERT_DIR": certs})
		require.Equal(t, 0, res.code, res.stderr)
		blobs, err := server.Blobs(context.Background(), "stackcluster-dns-5e6f7a8b")
		require.NoError(t, err)
		assert.Contains(t, blobs, runID+"/node-s/node-s.zip")
	})
	// Without it the endpoint is not trusted: this machine's roots do not
	// know its CA (the refused upload itself would take the SDK's retries).
	pool, err := x509.SystemCertPool()
	require.NoError(t, err)
	_, err = endpoint.Certificate().Verify(x509.VerifyOptions{Roots: pool})
	assert.Error(t, err, "the endpoint's certificate is trusted without the node's CA")
}
