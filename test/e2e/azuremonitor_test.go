package e2e

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envelope is one Application Insights telemetry item as the ingestion
// endpoint receives it (the fields this test reads).
type envelope struct {
	Name string `json:"name"`
	IKey string `json:"iKey"`
	Data struct {
		BaseType string `json:"baseType"`
		BaseData struct {
			Message    string            `json:"message"`
			Properties map[string]string `json:"properties"`
		} `json:"baseData"`
	} `json:"data"`
}

// ingestion is a stand-in for Azure Monitor's ingestion endpoint (the
// IngestionEndpoint of a connection string): it takes the track requests
// (gzip, one JSON envelope per line) and accepts every item.
type ingestion struct {
	*httptest.Server
	mu        sync.Mutex
	envelopes []envelope
	paths     []string
}

func startIngestion(t *testing.T) *ingestion {
	t.Helper()
	in := &ingestion{}
	in.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := io.Reader(r.Body)
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		var got []envelope
		sc := bufio.NewScanner(body)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var e envelope
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			got = append(got, e)
		}
		in.mu.Lock()
		in.envelopes = append(in.envelopes, got...)
		in.paths = append(in.paths, r.URL.Path)
		in.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"itemsReceived": len(got), "itemsAccepted": len(got), "errors": []any{}})
	}))
	t.Cleanup(in.Close)
	return in
}

func (in *ingestion) received() ([]envelope, []string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]envelope(nil), in.envelopes...), append([]string(nil), in.paths...)
}

// The Azure Monitor route: the azuremonitor distribution, run as the
// DaemonSet runs it, sends the node's items, as Application Insights
// messages carrying the run ID and the layout attributes, to the connection
// string's ingestion endpoint (here a stand-in on loopback; the connection
// string comes from the azureblob-secret Secret's folder, as a deployment
// mounts it).
func TestAzureMonitorDistributionSendsTheRun(t *testing.T) {
	in := startIngestion(t)
	work := t.TempDir()
	secretDir := filepath.Join(work, "secret")
	require.NoError(t, os.MkdirAll(secretDir, 0o755))
	const iKey = "00000000-0000-0000-0000-0000000000a1"
	require.NoError(t, os.WriteFile(filepath.Join(secretDir, "APPLICATIONINSIGHTS_CONNECTION_STRING"),
		[]byte("InstrumentationKey="+iKey+";IngestionEndpoint="+in.URL+"/\n"), 0o600))
	d := startCollector(t, filepath.Join(repoRoot, "distributions/azuremonitor/config.yaml"), map[string]string{
		"PERISCOPE_SECRET_DIR": secretDir,
		"PERISCOPE_CONFIG_DIR": filepath.Join(work, "no-config"),
		// The connectivity probes target public hosts: never from tests.
		"PERISCOPE_DISABLE_COLLECTORS": "networkoutbound kubeobjects systemperf pdb",
		"PERISCOPE_ROOT_PATH":          fixture(t, "noderoot-azure"),
		"PERISCOPE_POD_RESOLV_CONF":    fixture(t, "pod-resolv.conf"),
		"DIAGNOSTIC_RUN_ID":            runID,
		"HOST_NODE_NAME":               "node-9",
	})
	// The diagnoser's items are the run's last.
	d.waitFor(t, "the run at the ingestion endpoint", func() bool {
		envelopes, _ := in.received()
		for _, e := range envelopes {
			if e.Data.BaseData.Properties["periscope.item.key"] == "networkconfig" {
				return true
			}
		}
		return false
	})
	d.stop(t)

	envelopes, paths := in.received()
	for _, p := range paths {
		assert.Equal(t, "/v2.1/track", p)
	}
	items := map[string][]string{} // collector/item → messages, in order
	for _, e := range envelopes {
		props := e.Data.BaseData.Properties
		require.Equal(t, iKey, e.IKey)
		require.Equal(t, "MessageData", e.Data.BaseType, "%+v", e)
		require.Equal(t, runID, props["periscope.run.id"], "every record carries the run ID: %+v", props)
		require.Equal(t, "node-9", props["k8s.node.name"], "%+v", props)
		key := props["periscope.collector"] + "/" + props["periscope.item.key"]
		items[key] = append(items[key], e.Data.BaseData.Message)
	}
	root := fixture(t, "noderoot-azure")
	assert.Equal(t, []string{readFile(t, filepath.Join(root, "etc/resolv.conf"))}, items["dns/virtualmachine"])
	assert.Equal(t, []string{readFile(t, fixture(t, "pod-resolv.conf"))}, items["dns/kubernetes"])
	// Node logs as records: one message per line.
	assert.Equal(t, strings.Split(strings.TrimSuffix(readFile(t, filepath.Join(root, "var/log/cloud-init.log")), "\n"), "\n"),
		items["nodelogs/var_log_cloud-init.log"])
	assert.Equal(t, []string{"I1128 10:01:00.000000 1 client.go:100] Connecting to proxy server"},
		items["containerlogs/kube-system_konnectivity-agent-6c9f7-xk2lp_konnectivity-agent_1.log"])
	for _, key := range []string{"kubeletcmd/kubeletcmd", "diagnoser/networkconfig", "iptables/iptables"} {
		assert.NotEmpty(t, items[key], "%s sent", key)
	}
}
