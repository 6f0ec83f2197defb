package diagnoserprocessor

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/connectivityreceiver"
)

// The real connectivity receiver's records, probing a loopback HTTP server
// and a closed loopback port, give the networkoutbound windows and
// OUTBOUND_TCP_REFUSED: the attributes the diagnoser reads are the ones
// the receiver writes (the stream fixtures are hand-made).
func TestRealConnectivityRecords(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer server.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	require.NoError(t, l.Close())

	f := connectivityreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*connectivityreceiver.Config)
	cfg.DefaultTargets.Enabled = false
	cfg.Targets = []connectivityreceiver.TargetConfig{
		{Name: "apiserver", Endpoint: server.URL + "/healthz", PeriscopeItem: "AKS API Server", Timeout: 5 * time.Second},
		{Name: "blocked", Endpoint: closed, Timeout: 5 * time.Second},
	}
	require.NoError(t, cfg.Validate())
	sink := new(consumertest.LogsSink)
	rcv, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), nil))
	require.Eventually(t, func() bool { return len(sink.AllLogs()) > 0 }, 20*time.Second, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	r := startRun(t, &Config{})
	for _, ld := range sink.AllLogs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			res := ld.ResourceLogs().At(i).Resource().Attributes()
			res.PutStr(layout.AttrRunID, testRunID)
			res.PutStr(layout.AttrNodeName, testNode)
		}
		r.consume(ld)
	}
	// The round's document arrived: networkoutbound is out before the run ends.
	require.NotNil(t, r.signal("OUTBOUND_TCP_REFUSED"), "emitted %v", r.codes())
	r.end()

	assert.Nil(t, r.signal("OUTBOUND_APISERVER_UNREACHABLE"))
	assert.Contains(t, r.signal("OUTBOUND_TCP_REFUSED").Summary, "blocked "+closed+": the connection was refused")
	var windows []outboundDatum
	for _, o := range r.emitted() {
		if o.Key == networkOutboundKey {
			body, err := json.Marshal(o.Document)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(body, &windows))
		}
	}
	require.Len(t, windows, 2)
	assert.Equal(t, "AKS API Server", windows[0].Type)
	assert.Equal(t, "Connected", windows[0].Status)
	assert.Equal(t, "blocked", windows[1].Type, "a target without a Periscope item is typed by its name")
	assert.True(t, strings.HasPrefix(windows[1].Status, "Error: connection_refused: "), windows[1].Status)
	assert.Equal(t, testNode, windows[1].HostName)
}
