package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/periscope-otel/periscope/test/loopback"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The connectivity receiver in the binary writes Periscope's networkoutbound
// items: one JSON document per target type, Status "Connected" or a message
// with "Error:" (what the Azure CLI shows as a failure).
func TestConnectivityWritesPeriscopeNetworkOutbound(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	defer server.Close()
	work := t.TempDir()
	out := filepath.Join(work, "out")
	res := runCollector(t, work, map[string]string{
		"TEST_HTTP_URL":        server.URL + "/healthz",
		"TEST_CLOSED_ADDR":     loopback.ClosedAddr(t),
		"PERISCOPE_OUTPUT_DIR": out,
		"DIAGNOSTIC_RUN_ID":    runID,
		"HOST_NODE_NAME":       "n1",
	}, "--config", fixture(t, "connectivity.yaml"), "--once")
	require.Equal(t, 0, res.code, res.stderr)

	tree := readTree(t, out)
	status := func(key string) string {
		var item struct{ Type, URL, Status string }
		require.NoError(t, json.Unmarshal([]byte(tree[runID+"/n1/"+key]), &item), "item %s in %v", key, tree)
		return item.Status
	}
	assert.Equal(t, "Connected", status("AKS API Server"))
	assert.Contains(t, status("Microsoft Container Registry"), "Error:")
	assert.Contains(t, status("Microsoft Container Registry"), "connection_refused")
	assert.Equal(t, tree[runID+"/n1/AKS API Server"], tree[runID+"/n1/n1.zip!networkoutbound/AKS API Server"])
}
