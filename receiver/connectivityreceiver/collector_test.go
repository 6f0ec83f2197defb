package connectivityreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/connectivityreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// loopbackPort matches the test servers' addresses, by IP or test name.
var loopbackPort = regexp.MustCompile(`(127\.0\.0\.1|[a-z0-9-]+\.periscope\.test):\d+`)

// normalise makes a round's results repeatable: each phase that ran takes
// (its index + 1) ms, a probe 10 ms, and loopback ports read PORT. Which
// phases ran, classes and messages stay as measured.
func normalise(results []result) {
	port := func(s string) string { return loopbackPort.ReplaceAllString(s, "$1:PORT") }
	for i := range results {
		r := &results[i]
		for p := range numPhases {
			if r.ran[p] {
				r.phases[p] = time.Duration(p+1) * time.Millisecond
			}
		}
		if r.probed {
			r.total = 10 * time.Millisecond
		}
		r.err, r.remoteAddr, r.proxy = port(r.err), port(r.remoteAddr), port(r.proxy)
		r.target.Endpoint = port(r.target.Endpoint)
	}
}

func compareGolden(t *testing.T, got []byte, golden string) {
	t.Helper()
	path := filepath.Join("testdata", golden)
	if *update {
		var pretty bytes.Buffer
		require.NoError(t, json.Indent(&pretty, got, "", "  "))
		require.NoError(t, os.WriteFile(path, append(pretty.Bytes(), '\n'), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
}

// A round with one target per outcome, compared with golden files: the
// probe log lines, Periscope's networkoutbound items, connectivity.json
// and the metrics.
func TestRoundGolden(t *testing.T) {
	setProxyEnv(t, "", "")
	l := newLab(t)
	targets := []*target{
		mkTarget(t, TargetConfig{Name: "mcr", Endpoint: "https://ok." + testZone + ":" + port(l.https) + "/v2/", CAFile: l.pki.caFile, PeriscopeItem: "Microsoft Container Registry"}),
		mkTarget(t, TargetConfig{Name: "acr", Endpoint: "https://" + l.https + "/v2/", PeriscopeItem: "Azure Container Registry"}),
		mkTarget(t, TargetConfig{Name: "internet", Endpoint: "https://nx." + testZone + "/", PeriscopeItem: "Internet"}),
		mkTarget(t, TargetConfig{Name: "tunnel", Endpoint: l.closed, PeriscopeItem: "AKS Tunnel"}),
		mkTarget(t, TargetConfig{Name: "forbidden", Endpoint: "http://" + l.plain + "/", ExpectedStatus: 200}),
		mkTarget(t, TargetConfig{Name: "resolver", Endpoint: "ok." + testZone}),
		{TargetConfig: TargetConfig{Name: "apiserver", Timeout: 5 * time.Second, PeriscopeItem: "AKS API Server"}, kind: KindHTTPS,
			notConfigured: "no in-cluster environment (KUBERNETES_SERVICE_HOST is not set) and no default_targets.kubeconfig"},
	}
	cfg := createDefaultConfig().(*Config)
	set := receivertest.NewNopSettings(metadata.Type)
	c := newCollector(cfg, set)
	c.mb = metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set, metadata.WithStartTime(pcommon.NewTimestampFromTime(fixedNow)))
	c.prober = testProber(t, l.dnsAddr)

	results := c.prober.round(context.Background(), targets, cfg.MaxConcurrency)
	normalise(results)
	snap := c.snapshot(results, fixedNow)

	logs, err := (&plog.JSONMarshaler{}).MarshalLogs(snap.Logs)
	require.NoError(t, err)
	compareGolden(t, logs, "golden-round-logs.json")
	metrics, err := (&pmetric.JSONMarshaler{}).MarshalMetrics(snap.Metrics)
	require.NoError(t, err)
	compareGolden(t, metrics, "golden-round-metrics.json")
}

// Periscope's items keep Periscope's JSON fields, and a failure's Status
// holds "Error:" (what the Azure CLI reports as a failure).
func TestPeriscopeItemsKeepPeriscopesShape(t *testing.T) {
	tg := &target{TargetConfig: TargetConfig{Name: "mcr", Endpoint: "mcr.microsoft.com:80", PeriscopeItem: "Microsoft Container Registry"}, kind: KindTCP}
	for _, tt := range []struct {
		r          result
		wantStatus string
	}{
		{r: result{target: tg, probed: true}, wantStatus: "Connected"},
		{r: result{target: tg, probed: true, class: classTimeout, err: "dial tcp: i/o timeout"}, wantStatus: "Error: timeout: dial tcp: i/o timeout"},
	} {
		sl := plog.NewScopeLogs()
		appendPeriscopeItem(sl, &tt.r, fixedNow.Add(500*time.Millisecond))
		lr := sl.LogRecords().At(0)
		key, _ := lr.Attributes().Get(layout.AttrItemKey)
		kind, _ := lr.Attributes().Get(layout.AttrItemKind)
		assert.Equal(t, "Microsoft Container Registry", key.Str())
		assert.Equal(t, string(layout.KindDocument), kind.Str())
		var datum map[string]any
		require.NoError(t, json.Unmarshal([]byte(lr.Body().Str()), &datum))
		assert.Equal(t, map[string]any{
			"TimeStamp": "2026-11-28T12:00:00Z", "Type": "Microsoft Container Registry",
			"URL": "mcr.microsoft.com:80", "Status": tt.wantStatus,
		}, datum)
	}
}

// One probe round feeds both signals: the logs and metrics receivers of
// one component share a scheduler.
func TestLogsAndMetricsShareOneRound(t *testing.T) {
	setProxyEnv(t, "", "")
	var hits atomic.Int32
	srv := startHTTPS(t, newTestPKI(t), &hits)
	cfg := createDefaultConfig().(*Config)
	cfg.DefaultTargets.Enabled = false
	cfg.Targets = []TargetConfig{{Name: "local", Endpoint: "https://" + srv.Listener.Addr().String() + "/", Timeout: 5 * time.Second}}
	require.NoError(t, cfg.Validate())

	logsSink, metricsSink := new(consumertest.LogsSink), new(consumertest.MetricsSink)
	set := receivertest.NewNopSettings(metadata.Type)
	lr, err := NewFactory().CreateLogs(context.Background(), set, cfg, logsSink)
	require.NoError(t, err)
	mr, err := NewFactory().CreateMetrics(context.Background(), set, cfg, metricsSink)
	require.NoError(t, err)
	require.NoError(t, lr.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, mr.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return logsSink.LogRecordCount() > 0 && metricsSink.DataPointCount() > 0 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, lr.Shutdown(context.Background()))
	require.NoError(t, mr.Shutdown(context.Background()))

	assert.Len(t, logsSink.AllLogs(), 1, "one delivery of logs")
	assert.Len(t, metricsSink.AllMetrics(), 1, "one delivery of metrics")
	// The untrusted server (no ca_file) fails the handshake: the probe
	// ran once, and both signals say tls_unknown_authority.
	assert.Zero(t, hits.Load())
	body := logsSink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().Str()
	assert.Contains(t, body, "local: https://127.0.0.1:")
	assert.Contains(t, body, "FAILED: tls_unknown_authority")
	dp := metricsSink.AllMetrics()[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	found := false
	for i := 0; i < dp.Len(); i++ {
		if dp.At(i).Name() == "periscope.connectivity.success" {
			p := dp.At(i).Gauge().DataPoints().At(0)
			errType, _ := p.Attributes().Get("error.type")
			assert.Equal(t, int64(0), p.IntValue())
			assert.Equal(t, "tls_unknown_authority", errType.Str())
			found = true
		}
	}
	assert.True(t, found, "success metric emitted")
}

// With collection_interval the rounds repeat until shutdown.
func TestCollectionIntervalRepeatsRounds(t *testing.T) {
	setProxyEnv(t, "", "")
	var hits atomic.Int32
	pki := newTestPKI(t)
	srv := startHTTPS(t, pki, &hits)
	cfg := createDefaultConfig().(*Config)
	cfg.CollectionInterval = 20 * time.Millisecond
	cfg.DefaultTargets.Enabled = false
	cfg.Targets = []TargetConfig{{Name: "local", Endpoint: "https://" + srv.Listener.Addr().String() + "/", CAFile: pki.caFile, ExpectedStatus: http.StatusOK, Timeout: 5 * time.Second}}

	sink := new(consumertest.LogsSink)
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return len(sink.AllLogs()) >= 3 }, 10*time.Second, 10*time.Millisecond)
	// Rounds delivered before shutdown; one cut short by it reports canceled.
	delivered := sink.AllLogs()
	require.NoError(t, r.Shutdown(context.Background()))
	assert.GreaterOrEqual(t, int(hits.Load()), len(delivered))
	for _, ld := range delivered {
		body := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().Str()
		assert.True(t, strings.Contains(body, "reachable"), body)
	}
}

func TestStartRefusesAMissingCAFile(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.DefaultTargets.Enabled = false
	cfg.Targets = []TargetConfig{{Name: "x", Endpoint: "https://127.0.0.1:1/", CAFile: "testdata/no-such-ca.pem", Timeout: time.Second}}
	r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	err = r.Start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `target "x": ca_file: open testdata/no-such-ca.pem`)
	require.NoError(t, r.Shutdown(context.Background()))
}

// One round against loopback servers: the cost of the probes themselves.
func BenchmarkRound(b *testing.B) {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"} {
		b.Setenv(k, "")
	}
	l := newLab(b)
	targets := []*target{
		mkTarget(b, TargetConfig{Name: "https", Endpoint: "https://ok." + testZone + ":" + port(l.https) + "/", CAFile: l.pki.caFile}),
		mkTarget(b, TargetConfig{Name: "http", Endpoint: "http://" + l.plain + "/"}),
		mkTarget(b, TargetConfig{Name: "tcp", Endpoint: l.https}),
		mkTarget(b, TargetConfig{Name: "dns", Endpoint: "ok." + testZone}),
		mkTarget(b, TargetConfig{Name: "refused", Endpoint: l.closed}),
	}
	p := testProber(b, l.dnsAddr)
	b.ReportAllocs()
	for b.Loop() {
		results := p.round(context.Background(), targets, 8)
		if !results[0].ok() || results[4].class != classConnectionRefused {
			b.Fatalf("unexpected round: %+v", results)
		}
	}
}
