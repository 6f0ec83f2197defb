// Package kubeobjects_test runs the kube_objects receiver, through its
// factory, against a real kube-apiserver and compares its items with what
// the built kubectl prints for the same objects.
package kubeobjects_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/redact"
	"github.com/periscope-otel/periscope/receiver/kubeobjectsreceiver"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// The package's tests share one API server, stopped when they end.
func TestMain(m *testing.M) { os.Exit(kubeapi.Main(m)) }

// The receiver's record contract, spelled out so a rename shows here.
const (
	collectorName = "kubeobjects"
	attrEntry     = "periscope.kube.entry"
	attrNamespace = "k8s.namespace.name"
	attrKind      = "periscope.kube.kind"
	attrName      = "periscope.kube.name"
	redacted      = redact.Marker
)

// record is one collected record, flattened for assertions.
type record struct {
	kind  layout.Kind
	body  string
	entry string
	attrs map[string]any
}

// collect runs the receiver once (it collects at start) with objects
// against the kubeconfig and returns the records by item key. The
// collection must produce a record: an empty one is not delivered.
func collect(tb testing.TB, kubeconfig string, objects ...string) map[string]record {
	tb.Helper()
	return recordsByKey(tb, collectLogs(tb, kubeconfig, objects...))
}

func collectLogs(tb testing.TB, kubeconfig string, objects ...string) plog.Logs {
	tb.Helper()
	cfg := kubeobjectsreceiver.NewFactory().CreateDefaultConfig().(*kubeobjectsreceiver.Config)
	cfg.Objects = objects
	cfg.Kubeconfig = kubeconfig
	return collectWith(tb, cfg)
}

// collectWith runs the receiver once with cfg.
func collectWith(tb testing.TB, cfg *kubeobjectsreceiver.Config) plog.Logs {
	tb.Helper()
	f := kubeobjectsreceiver.NewFactory()
	require.NoError(tb, cfg.Validate())
	sink := new(consumertest.LogsSink)
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(tb, err)
	require.NoError(tb, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(tb, func() bool { return len(sink.AllLogs()) == 1 }, time.Minute, 5*time.Millisecond)
	require.NoError(tb, r.Shutdown(context.Background()))
	return sink.AllLogs()[0]
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
				lr := lrs.At(k)
				attrs := lr.Attributes().AsRaw()
				key, _ := attrs[layout.AttrItemKey].(string)
				kindAttr, _ := attrs[layout.AttrItemKind].(string)
				kind, err := layout.ParseKind(kindAttr)
				require.NoError(tb, err)
				require.Equal(tb, collectorName, attrs[layout.AttrCollector])
				_, dup := out[key]
				require.False(tb, dup, "item key %s twice", key)
				entry, _ := attrs[attrEntry].(string)
				out[key] = record{kind: kind, body: lr.Body().AsString(), entry: entry, attrs: attrs}
			}
		}
	}
	return out
}

var (
	fixtureOnce sync.Once
	fixtureErr  error
)

// cluster returns the package's API server with the fixture objects.
func cluster(tb testing.TB) *kubeapi.Cluster {
	tb.Helper()
	c := kubeapi.Shared(tb)
	fixtureOnce.Do(func() { fixtureErr = createFixture(context.Background(), c) })
	require.NoError(tb, fixtureErr, "create fixture objects")
	return c
}

// fixtureTime is long ago and fixed, so event ages read "Nd" in both
// outputs compared.
var fixtureTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func keys(m map[string]record) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
