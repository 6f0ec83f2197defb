// Package systemperf_test runs the systemperf receiver, through its
// factory, against a real kube-apiserver with metrics-server behind the
// aggregation layer, and compares its tables with what the built kubectl
// prints for `kubectl top nodes` and `kubectl top pods -A`.
package systemperf_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/systemperfreceiver"
)

// The package's tests share one API server and metrics-server, stopped
// when they end.
func TestMain(m *testing.M) { os.Exit(run(m)) }

// The receiver's record contract, spelled out so a rename shows here.
const (
	collectorName = "systemperf"
	keyNodes      = "nodes"
	keyPods       = "pods"
)

// record is one collected record, flattened for assertions.
type record struct {
	kind layout.Kind
	body string
}

func newConfig(kubeconfig string) *systemperfreceiver.Config {
	cfg := systemperfreceiver.NewFactory().CreateDefaultConfig().(*systemperfreceiver.Config)
	cfg.Kubeconfig = kubeconfig
	return cfg
}

// collect runs the logs and metrics receivers once (they collect at start,
// one collection shared by both) and returns the records by item key and
// the metrics.
func collect(tb testing.TB, kubeconfig string) (map[string]record, pmetric.Metrics) {
	tb.Helper()
	f := systemperfreceiver.NewFactory()
	cfg := newConfig(kubeconfig)
	require.NoError(tb, cfg.Validate())
	logsSink, metricsSink := new(consumertest.LogsSink), new(consumertest.MetricsSink)
	set := receivertest.NewNopSettings(f.Type())
	lr, err := f.CreateLogs(context.Background(), set, cfg, logsSink)
	require.NoError(tb, err)
	mr, err := f.CreateMetrics(context.Background(), set, cfg, metricsSink)
	require.NoError(tb, err)
	require.NoError(tb, lr.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(tb, mr.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(tb, func() bool { return len(logsSink.AllLogs()) == 1 }, time.Minute, 5*time.Millisecond)
	// A failed collection has records but no metrics, and then nothing is
	// delivered to the metrics pipeline.
	require.NoError(tb, lr.Shutdown(context.Background()))
	require.NoError(tb, mr.Shutdown(context.Background()))
	metrics := pmetric.NewMetrics()
	for _, m := range metricsSink.AllMetrics() {
		m.ResourceMetrics().MoveAndAppendTo(metrics.ResourceMetrics())
	}
	return recordsByKey(tb, logsSink.AllLogs()[0]), metrics
}

func recordsByKey(tb testing.TB, logs plog.Logs) map[string]record {
	tb.Helper()
	out := map[string]record{}
	rls := logs.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				attrs := lrs.At(k).Attributes().AsRaw()
				require.Equal(tb, collectorName, attrs[layout.AttrCollector])
				key, _ := attrs[layout.AttrItemKey].(string)
				kindAttr, _ := attrs[layout.AttrItemKind].(string)
				kind, err := layout.ParseKind(kindAttr)
				require.NoError(tb, err)
				_, dup := out[key]
				require.False(tb, dup, "item key %s twice", key)
				out[key] = record{kind: kind, body: lrs.At(k).Body().AsString()}
			}
		}
	}
	return out
}
