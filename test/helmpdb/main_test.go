// Package helmpdb_test runs the helm_releases and pod_disruption_budgets
// receivers, through their factories, against a real kube-apiserver: Helm
// release Secrets built as Helm 3 stores them, PodDisruptionBudgets compared
// with what the built kubectl prints, and the shipped RBAC.
package helmpdb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/helmreleasesreceiver"
	"github.com/periscope-otel/periscope/receiver/poddisruptionbudgetsreceiver"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// The package's tests share one API server, stopped when they end.
func TestMain(m *testing.M) { os.Exit(kubeapi.Main(m)) }

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// collectHelm runs the helm_releases receiver once with the kubeconfig.
func collectHelm(tb testing.TB, kubeconfig string, namespaces ...string) plog.Logs {
	tb.Helper()
	f := helmreleasesreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*helmreleasesreceiver.Config)
	cfg.Kubeconfig = kubeconfig
	cfg.Namespaces = namespaces
	return collectOnce(tb, f, cfg)
}

// collectPDB runs the pod_disruption_budgets receiver once.
func collectPDB(tb testing.TB, kubeconfig string) plog.Logs {
	tb.Helper()
	f := poddisruptionbudgetsreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*poddisruptionbudgetsreceiver.Config)
	cfg.Kubeconfig = kubeconfig
	return collectOnce(tb, f, cfg)
}

// collectOnce starts a receiver (it collects at start), waits for its one
// delivery and shuts it down.
func collectOnce(tb testing.TB, f receiver.Factory, cfg component.Config) plog.Logs {
	tb.Helper()
	require.NoError(tb, cfg.(interface{ Validate() error }).Validate())
	sink := new(consumertest.LogsSink)
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(tb, err)
	require.NoError(tb, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(tb, func() bool { return len(sink.AllLogs()) == 1 }, time.Minute, 5*time.Millisecond)
	require.NoError(tb, r.Shutdown(context.Background()))
	return sink.AllLogs()[0]
}

// record is one collected record, flattened for assertions.
type record struct {
	collector, key string
	kind           layout.Kind
	body           string
	attrs          map[string]any
}

func records(tb testing.TB, logs plog.Logs) []record {
	tb.Helper()
	var out []record
	rls := logs.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				lr := lrs.At(k)
				attrs := lr.Attributes().AsRaw()
				kind, err := layout.ParseKind(attrs[layout.AttrItemKind].(string))
				require.NoError(tb, err)
				out = append(out, record{
					collector: attrs[layout.AttrCollector].(string), key: attrs[layout.AttrItemKey].(string),
					kind: kind, body: lr.Body().AsString(), attrs: attrs,
				})
			}
		}
	}
	return out
}

// byKind maps item key → kind → body (one record each in these tests).
func byKind(tb testing.TB, logs plog.Logs) map[string]map[layout.Kind]string {
	tb.Helper()
	out := map[string]map[layout.Kind]string{}
	for _, r := range records(tb, logs) {
		if out[r.key] == nil {
			out[r.key] = map[layout.Kind]string{}
		}
		_, dup := out[r.key][r.kind]
		require.False(tb, dup, "two %s records for %s", r.kind, r.key)
		out[r.key][r.kind] = r.body
	}
	return out
}

func normalizeAges(s string) string { return kubeapi.MaskEventAges(s) }

// compareGolden compares logs with testdata/<name> after masking what
// changes between runs: record times and describe event ages.
func compareGolden(t *testing.T, logs plog.Logs, name string) {
	t.Helper()
	logs = cloneLogs(t, logs)
	rls := logs.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				lr := lrs.At(k)
				lr.SetTimestamp(pcommon.Timestamp(0))
				lr.SetObservedTimestamp(pcommon.Timestamp(0))
				if lr.Body().Type() == pcommon.ValueTypeStr {
					lr.Body().SetStr(normalizeAges(lr.Body().Str()))
				}
			}
		}
	}
	got, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
	require.NoError(t, err)
	path := filepath.Join("testdata", name)
	if *update {
		var pretty bytes.Buffer
		require.NoError(t, json.Indent(&pretty, got, "", "  "))
		require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
}

func cloneLogs(t *testing.T, logs plog.Logs) plog.Logs {
	t.Helper()
	out := plog.NewLogs()
	logs.CopyTo(out)
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

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
