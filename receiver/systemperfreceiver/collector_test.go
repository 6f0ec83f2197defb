package systemperfreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/periscope-otel/periscope/internal/kubeclient"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	metricsapi "k8s.io/metrics/pkg/apis/metrics"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/receiver/systemperfreceiver/internal/metadata"
)

// The tests against a real API server and metrics-server (kubectl top
// equality, RBAC, a missing or unavailable metrics API) are in
// test/systemperf; these need no server.

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	fixedNow      = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	fixedMeasured = metav1.NewTime(fixedNow.Add(-7 * time.Second))
)

// fixtureSample is a metrics API answer as metrics-server gives it (CPU in
// nanocores, memory in bytes or Ki) for a three-node cluster where one node
// has no metrics yet.
func fixtureSample() sample {
	q := resource.MustParse
	usage := func(cpu, mem string) corev1.ResourceList {
		return corev1.ResourceList{corev1.ResourceCPU: q(cpu), corev1.ResourceMemory: q(mem)}
	}
	node := func(name, cpu, mem string) corev1.Node {
		return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{Allocatable: usage(cpu, mem)}}
	}
	pod := func(ns, name string, containers ...metricsapi.ContainerMetrics) metricsapi.PodMetrics {
		return metricsapi.PodMetrics{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Timestamp: fixedMeasured, Window: metav1.Duration{Duration: 10 * time.Second}, Containers: containers}
	}
	ctr := func(name, cpu, mem string) metricsapi.ContainerMetrics {
		return metricsapi.ContainerMetrics{Name: name, Usage: usage(cpu, mem)}
	}
	return sample{
		nodeMetrics: []metricsapi.NodeMetrics{
			{ObjectMeta: metav1.ObjectMeta{Name: "aks-nodepool1-1"}, Timestamp: fixedMeasured, Window: metav1.Duration{Duration: 10 * time.Second}, Usage: usage("1203456789n", "3221225472")},
			{ObjectMeta: metav1.ObjectMeta{Name: "aks-nodepool1-0"}, Timestamp: fixedMeasured, Window: metav1.Duration{Duration: 10 * time.Second}, Usage: usage("250500000n", "1572864Ki")},
		},
		nodes: []corev1.Node{
			node("aks-nodepool1-0", "1900m", "5Gi"),
			node("aks-nodepool1-1", "3860m", "12Gi"),
			node("aks-nodepool1-3", "1900m", "5Gi"),
			node("aks-nodepool1-2", "1900m", "5Gi"),
		},
		podMetrics: []metricsapi.PodMetrics{
			pod("kube-system", "metrics-server-7d9c6", ctr("metrics-server", "3120000n", "23456Ki")),
			pod("default", "web-5f7b", ctr("sidecar", "1000000n", "5Mi"), ctr("app", "12500000n", "20Mi")),
			pod("kube-system", "coredns-6f5d8", ctr("coredns", "2999999n", "17Mi")),
		},
	}
}

func newTestCollector() *collector {
	cfg := createDefaultConfig().(*Config)
	set := receivertest.NewNopSettings(metadata.Type)
	c := newCollector(cfg, set)
	c.mb = metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set, metadata.WithStartTime(pcommon.NewTimestampFromTime(fixedNow.Add(-time.Hour))))
	c.now = func() time.Time { return fixedNow }
	return c
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

// A full sample: the two tables as documents and every metric, compared
// with golden files.
func TestSnapshotGolden(t *testing.T) {
	snap := newTestCollector().snapshot(fixtureSample(), nil, fixedNow)
	logs, err := (&plog.JSONMarshaler{}).MarshalLogs(snap.Logs)
	require.NoError(t, err)
	compareGolden(t, logs, "golden-logs.json")
	metrics, err := (&pmetric.JSONMarshaler{}).MarshalMetrics(snap.Metrics)
	require.NoError(t, err)
	compareGolden(t, metrics, "golden-metrics.json")
}

// The tables are kubectl's: millicores rounded up, MiB rounded down,
// percentages of allocatable truncated, nodes by name, "<unknown>" rows for
// nodes without metrics (sorted here; kubectl prints them in map order),
// pods by namespace then name, each the sum of its containers.
func TestTablesAreKubectlTop(t *testing.T) {
	s := fixtureSample()
	nodes, err := nodesTable(s.nodeMetrics, s.nodes)
	require.NoError(t, err)
	assert.Equal(t, ""+
		"NAME              CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \n"+
		"aks-nodepool1-0   251m         13%         1536Mi          30%         \n"+
		"aks-nodepool1-1   1204m        31%         3072Mi          25%         \n"+
		"aks-nodepool1-2   <unknown>    <unknown>   <unknown>       <unknown>   \n"+
		"aks-nodepool1-3   <unknown>    <unknown>   <unknown>       <unknown>   \n", string(nodes))
	pods, err := podsTable(s.podMetrics)
	require.NoError(t, err)
	assert.Equal(t, ""+
		"NAMESPACE     NAME                   CPU(cores)   MEMORY(bytes)   \n"+
		"default       web-5f7b               14m          25Mi            \n"+
		"kube-system   coredns-6f5d8          3m           17Mi            \n"+
		"kube-system   metrics-server-7d9c6   4m           22Mi            \n", string(pods))
	// The sample is not changed (kubectl's printer sorts in place).
	assert.Equal(t, "aks-nodepool1-1", s.nodeMetrics[0].Name)
	assert.Equal(t, "metrics-server-7d9c6", s.podMetrics[0].Name)
}

// records flattens a snapshot's log records: item key → kind and body.
func records(t *testing.T, logs plog.Logs) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	lrs := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range lrs.Len() {
		attrs := lrs.At(i).Attributes()
		coll, _ := attrs.Get(layout.AttrCollector)
		require.Equal(t, collectorName, coll.Str())
		key, _ := attrs.Get(layout.AttrItemKey)
		kind, _ := attrs.Get(layout.AttrItemKind)
		out[key.Str()] = [2]string{kind.Str(), lrs.At(i).Body().Str()}
	}
	return out
}

func metricNames(m pmetric.Metrics) map[string]int {
	out := map[string]int{}
	rms := m.ResourceMetrics()
	for i := range rms.Len() {
		ms := rms.At(i).ScopeMetrics().At(0).Metrics()
		for j := range ms.Len() {
			out[ms.At(j).Name()]++
		}
	}
	return out
}

// One list failing costs only its own item: a refused node list makes the
// nodes table an error record, the pods table and the usage metrics are
// still delivered.
func TestOneFailedListCostsOnlyItsItem(t *testing.T) {
	s := fixtureSample()
	s.nodes = nil
	s.nodesErr = explain(apierrors.NewForbidden(schema.GroupResource{Resource: "nodes"}, "", errors.New("no RBAC")), resNodes)
	snap := newTestCollector().snapshot(s, nil, fixedNow)
	got := records(t, snap.Logs)
	assert.Equal(t, string(layout.KindError), got[keyNodes][0])
	assert.Equal(t, "forbidden: list nodes: nodes is forbidden: no RBAC", got[keyNodes][1])
	assert.Equal(t, string(layout.KindDocument), got[keyPods][0])
	names := metricNames(snap.Metrics)
	assert.Equal(t, 2, names["k8s.node.cpu.usage"])
	assert.Zero(t, names["k8s.node.allocatable.cpu"])
	assert.Equal(t, 3, names["k8s.pod.cpu.usage"])
	assert.Equal(t, 4, names["container.cpu.usage"])
}

// No metrics yet (metrics-server has scraped once): kubectl says "metrics
// not available yet"; so do the records.
func TestEmptyMetricsAreNotAvailableYet(t *testing.T) {
	s := fixtureSample()
	s.nodeMetrics, s.podMetrics = nil, nil
	got := records(t, newTestCollector().snapshot(s, nil, fixedNow).Logs)
	assert.Equal(t, [2]string{"error", "metrics not available yet: the metrics API returned no node metrics"}, got[keyNodes])
	assert.Equal(t, [2]string{"error", "metrics not available yet: the metrics API returned no pod metrics"}, got[keyPods])
}

func TestExplain(t *testing.T) {
	gr := schema.GroupResource{Group: "metrics.k8s.io", Resource: "nodes"}
	tests := []struct {
		err      error
		resource string
		want     string
	}{
		{apierrors.NewForbidden(gr, "", errors.New("denied")), resNodeMetrics,
			"forbidden: list nodes.metrics.k8s.io: nodes.metrics.k8s.io is forbidden: denied"},
		{apierrors.NewServiceUnavailable("the server is currently unable to handle the request"), resPodMetrics,
			"metrics API not available: list pods.metrics.k8s.io: the server is currently unable to handle the request"},
		{apierrors.NewNotFound(gr, ""), resNodeMetrics,
			`metrics API not available: list nodes.metrics.k8s.io: nodes.metrics.k8s.io "" not found`},
		{errors.New("connection reset"), resNodes, "list nodes: connection reset"},
		{nil, resNodes, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			got := explain(tt.err, tt.resource)
			if tt.want == "" {
				assert.NoError(t, got)
				return
			}
			assert.EqualError(t, got, tt.want)
			assert.ErrorIs(t, got, tt.err)
		})
	}
}

func TestMetricsVersionIsKubectls(t *testing.T) {
	group := func(name string, versions ...string) metav1.APIGroup {
		g := metav1.APIGroup{Name: name}
		for _, v := range versions {
			g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{Version: v})
		}
		return g
	}
	tests := []struct {
		groups []metav1.APIGroup
		want   string
	}{
		{[]metav1.APIGroup{group("apps", "v1"), group("metrics.k8s.io", "v1beta1")}, "v1beta1"},
		{[]metav1.APIGroup{group("metrics.k8s.io", "v1", "v1beta1")}, "v1"},
		{[]metav1.APIGroup{group("metrics.k8s.io", "v1alpha1", "v1beta1")}, "v1beta1"},
		{[]metav1.APIGroup{group("metrics.k8s.io", "v1alpha1")}, ""},
		{[]metav1.APIGroup{group("custom.metrics.k8s.io", "v1beta1")}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, metricsVersion(&metav1.APIGroupList{Groups: tt.groups}), "%v", tt.groups)
	}
}

// closedPortKubeconfig writes a kubeconfig for a server that refuses
// connections (a port just released on 127.0.0.1).
func closedPortKubeconfig(t *testing.T) (path, server string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	server = "https://" + l.Addr().String()
	require.NoError(t, l.Close())
	path = filepath.Join(t.TempDir(), "kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, server)
	require.NoError(t, os.WriteFile(path, []byte(kc), 0o600))
	return path, server
}

// Errors before anything is read are one record per item, naming the
// server and where its address came from, and no metrics.
func TestCollectionErrorsAreRecordsForBothItems(t *testing.T) {
	kubeconfig, server := closedPortKubeconfig(t)
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name       string
		kubeconfig string
		env        string
		want       []string
	}{
		{"unreachable", kubeconfig, "", []string{"API server " + server + " (kubeconfig " + kubeconfig + "): discover API groups: ", "connection refused"}},
		{"missing kubeconfig", missing, "", []string{"load kubeconfig " + missing + ": "}},
		{"nothing configured", "", "", []string{kubeclient.ErrNoAPIServer.Error()}},
		{"KUBECONFIG", "", kubeconfig, []string{"API server " + server + " ($KUBECONFIG " + kubeconfig + "): discover API groups: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBERNETES_SERVICE_HOST", "")
			t.Setenv("KUBECONFIG", tt.env)
			c := newTestCollector()
			c.cfg.Kubeconfig = tt.kubeconfig
			c.cfg.RequestTimeout = 5 * time.Second
			snap := c.Collect(context.Background())
			got := records(t, snap.Logs)
			require.Len(t, got, 2)
			for _, key := range []string{keyNodes, keyPods} {
				assert.Equal(t, string(layout.KindError), got[key][0])
				for _, w := range tt.want {
					assert.Contains(t, got[key][1], w)
				}
			}
			assert.Zero(t, snap.Metrics.MetricCount())
		})
	}
}

func TestSortTrailingLines(t *testing.T) {
	tests := []struct{ in, want string }{
		{"H\nb\nc\nz\ny\n", "H\nb\nc\ny\nz\n"},
		{"H\nb\n", "H\nb\n"},
		{"H\nb\nz\n", "H\nb\nz\n"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(sortTrailingLines([]byte(tt.in), 2)))
	}
}
