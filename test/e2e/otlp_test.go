package e2e

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periscope-otel/periscope/test/loopback"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// The OTLP distribution sends a node's items to a real OTLP receiver (a
// second collector); with the periscope exporter there, the same files and
// zip come out as from a local run: the layout travels as attributes.
func TestOTLPDistributionKeepsTheLayout(t *testing.T) {
	work := t.TempDir()
	gatewayOut := filepath.Join(work, "gateway-output")
	endpoint := freeLoopbackAddr(t)
	gateway := startCollector(t, fixture(t, "otlp-gateway.yaml"), map[string]string{
		"GATEWAY_ENDPOINT": endpoint, "PERISCOPE_OUTPUT_DIR": gatewayOut,
	})
	gateway.waitFor(t, "the gateway to listen", func() bool {
		return strings.Contains(gateway.out.String(), "Everything is ready")
	})

	res := runCollector(t, work, map[string]string{
		"PERISCOPE_OTLP_ENDPOINT": endpoint,
		"PERISCOPE_OTLP_INSECURE": "true",
		// The connectivity probes target public hosts: never from tests.
		"PERISCOPE_DISABLE_COLLECTORS": "networkoutbound kubeobjects systemperf pdb",
		"PERISCOPE_ROOT_PATH":          fixture(t, "noderoot-azure"),
		"PERISCOPE_POD_RESOLV_CONF":    fixture(t, "pod-resolv.conf"),
		"DIAGNOSTIC_RUN_ID":            runID,
		"HOST_NODE_NAME":               "node-7",
	}, "--config", filepath.Join(repoRoot, "distributions/otlp/config.yaml"), "--once")
	require.Equal(t, 0, res.code, res.stderr)
	gateway.stop(t) // the gateway zips what it received when it stops

	tree := readTree(t, gatewayOut)
	splitDiagnoses(t, tree, runID, "node-7")
	assert.Equal(t, azureNodeTree(t, runID, "node-7", "pod-resolv.conf", logsStreamed), tree, "gateway log:\n%s", gateway.out.String())
}

// A one-shot run whose OTLP backend is down does not call itself done: the
// exporter gives the data up at shutdown and the exit code says so.
func TestOneShotExitsNonZeroWhenTheBackendRefuses(t *testing.T) {
	work := t.TempDir()
	closed := loopback.ClosedAddr(t)
	res := runCollector(t, work, map[string]string{
		"PERISCOPE_OTLP_ENDPOINT": closed,
		"PERISCOPE_OTLP_INSECURE": "true",
		// The connectivity probes target public hosts: never from tests.
		"PERISCOPE_DISABLE_COLLECTORS": "networkoutbound kubeobjects systemperf pdb",
		"PERISCOPE_ROOT_PATH":          fixture(t, "noderoot-azure"),
		"DIAGNOSTIC_RUN_ID":            runID,
	}, "--config", filepath.Join(repoRoot, "distributions/otlp/config.yaml"), "--once", "--stall", "1s")
	assert.Equal(t, 2, res.code, res.stderr)
	assert.Contains(t, res.stderr, "periscope: not every record was delivered: exporter otlp_grpc gave up")
}
