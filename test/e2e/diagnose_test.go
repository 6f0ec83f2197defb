package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periscope-otel/periscope/test/loopback"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The acceptance run: the local default, once, on a fixture node
// whose resolv.conf names a custom server and the systemd stub, whose
// iptables dump drops DNS, and whose outbound check finds one target
// blocked (a closed loopback port) and one up (a loopback HTTP server).
// diagnostics.json has the codes, and Periscope's networkconfig and
// networkoutbound items are what `az aks kanalyze` reads.
func TestLocalDefaultDiagnosesABrokenNode(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	defer server.Close()
	work := t.TempDir()
	node := "aks-nodepool1-12345678-vmss000000"
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID":   runID,
		"HOST_NODE_NAME":      node,
		"PERISCOPE_ROOT_PATH": fixture(t, "noderoot-broken-network"),
		"TEST_HTTP_URL":       server.URL + "/healthz",
		"TEST_CLOSED_ADDR":    loopback.ClosedAddr(t),
	},
		"--config", filepath.Join(repoRoot, "distributions/local/config.yaml"),
		"--config", fixture(t, "local-diagnose-network.yaml"),
		"--once")
	require.Equal(t, 0, res.code, res.stderr)

	tree := readTree(t, filepath.Join(work, "periscope-output"))
	diagnoses := splitDiagnoses(t, tree, runID, node)

	var summary struct {
		Codes  []string       `json:"codes"`
		Counts map[string]int `json:"counts"`
	}
	require.NoError(t, json.Unmarshal([]byte(diagnoses["diagnostics.json"]), &summary))
	for _, code := range []string{
		"DNS_CUSTOM_NAMESERVER",          // nameserver 8.8.8.8
		"KUBELET_RESOLV_CONF_STUB",       // pods get 127.0.0.53
		"IPTABLES_DROPS_CLUSTER_TRAFFIC", // udp 53 dropped on OUTPUT
		"OUTBOUND_TCP_REFUSED",           // the closed port
		"KUBELET_REMOVED_FLAG",
		"KUBELET_CONFLICTING_FLAGS",
		"KUBELET_MAX_PODS_EXCEEDS_POD_CIDR",
	} {
		assert.Contains(t, summary.Codes, code)
	}
	assert.NotContains(t, summary.Codes, "OUTBOUND_APISERVER_UNREACHABLE", "the API server target answered")
	assert.Contains(t, diagnoses["diagnostics.log"], "ERROR OUTBOUND_TCP_REFUSED: mcr (Microsoft Container Registry) ")
	assert.Contains(t, diagnoses["diagnostics.log"], "-A HARDENING -p udp -m udp --dport 53")

	// The answer is on the terminal too: under the output line, what needs
	// attention, errors first, and where the evidence is.
	out := res.stderr[strings.Index(res.stderr, "periscope: output written to "):]
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Greater(t, len(lines), 2, out)
	assert.Regexp(t, `^  ERROR [A-Z_]+: `, lines[1], out)
	assert.Contains(t, out, "\n  ERROR OUTBOUND_TCP_REFUSED: mcr (Microsoft Container Registry) ")
	assert.Contains(t, out, "\n  WARN  DNS_CUSTOM_NAMESERVER: ")
	assert.NotContains(t, out, "INSUFFICIENT_DATA", "only what needs attention")
	assert.Contains(t, out, "(evidence and next steps: "+filepath.Join("periscope-output", runID, node, "diagnostics.log")+")")

	var nc networkConfig
	require.NoError(t, json.Unmarshal([]byte(diagnoses["networkconfig"]), &nc))
	assert.Equal(t, networkConfig{HostName: node, NetworkPlugin: "azurecni", VirtualMachineDNS: []string{"127.0.0.53", "8.8.8.8"},
		KubernetesDNS: []string{}, MaxPodsPerNode: 30}, nc)

	// networkoutbound: Periscope's array, one window per target (one round).
	outbound := tree[runID+"/"+node+"/networkoutbound"]
	assert.Equal(t, outbound, tree[runID+"/"+node+"/"+node+".zip!diagnoser/networkoutbound"], "in the zip")
	var windows []struct {
		HostName, Type, Status string
		Start, End             time.Time
	}
	require.NoError(t, json.Unmarshal([]byte(outbound), &windows), outbound)
	require.Len(t, windows, 2, outbound)
	assert.Equal(t, "AKS API Server", windows[0].Type)
	assert.Equal(t, "Connected", windows[0].Status)
	assert.Equal(t, "Microsoft Container Registry", windows[1].Type)
	assert.True(t, strings.HasPrefix(windows[1].Status, "Error: connection_refused: "), windows[1].Status)
	for _, w := range windows {
		assert.Equal(t, node, w.HostName)
		assert.False(t, w.Start.IsZero())
		assert.Equal(t, w.Start, w.End, "one probe per target in a one-shot run")
	}
}
