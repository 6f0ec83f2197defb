package periscopeexporter

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
	"github.com/periscope-otel/periscope/internal/layout"
)

// newClusterRun is what a cluster-scoped receiver delivers on the node
// that leads: its records marked periscope.scope=cluster.
func newClusterRun(runID, node string) (plog.Logs, plog.ScopeLogs) {
	ld, sl := newRun(runID, node)
	ld.ResourceLogs().At(0).Resource().Attributes().PutStr(layout.AttrScope, layout.ScopeCluster)
	return ld, sl
}

// Cluster items are stored once per run under <run-id>/cluster, and zipped
// into the collecting node's zip; their errors stay with the node.
func TestClusterItemsGoToTheClusterFolderAndTheCollectingNodesZip(t *testing.T) {
	dir := t.TempDir()
	e, _ := newTestExporter(t, dir)
	const run = "2026-11-29T02-00-00Z"

	cl, csl := newClusterRun(run, "node-a")
	layout.AppendDocument(csl, "kubeobjects", "kube-system_pod_coredns-1", []byte("Name: coredns-1\n"), now)
	layout.AppendError(csl, "kubeobjects", "shop_secret", errors.New("forbidden: list secrets in namespace shop"), now)
	appendLine(csl, "containerlogs", "kube-system_coredns-1", "line 1")
	require.NoError(t, e.consumeLogs(context.Background(), cl))
	more, msl := newClusterRun(run, "node-a")
	appendLine(msl, "containerlogs", "kube-system_coredns-1", "line 2") // a later batch appends
	require.NoError(t, e.consumeLogs(context.Background(), more))
	assert.Empty(t, e.cluster[run].w.appending, "no file left open between batches")

	na, nsl := newRun(run, "node-a")
	layout.AppendDocument(nsl, "dns", "virtualmachine", []byte("nameserver 10.0.0.10\n"), now)
	require.NoError(t, e.consumeLogs(context.Background(), na))
	nb, bsl := newRun(run, "node-b")
	layout.AppendDocument(bsl, "dns", "virtualmachine", []byte("nameserver 10.0.0.11\n"), now)
	require.NoError(t, e.consumeLogs(context.Background(), nb))

	// Delivered when ConsumeLogs returned, before any node run finished.
	cluster := filepath.Join(dir, run, "cluster")
	assert.Equal(t, "Name: coredns-1\n", readFile(t, filepath.Join(cluster, "kube-system_pod_coredns-1")))
	assert.Equal(t, "line 1\nline 2\n", readFile(t, filepath.Join(cluster, "kube-system_coredns-1")))
	assert.NoFileExists(t, filepath.Join(cluster, "periscope-errors.log"))
	assert.NoFileExists(t, filepath.Join(cluster, "cluster.zip"))

	require.NoError(t, e.shutdown(context.Background()))
	assert.NoFileExists(t, filepath.Join(dir, run, "node-a", "kube-system_pod_coredns-1"), "stored once, in the cluster folder")
	assert.Equal(t, map[string]string{
		"dns/virtualmachine":                    "nameserver 10.0.0.10\n",
		"kubeobjects/kube-system_pod_coredns-1": "Name: coredns-1\n",
		"containerlogs/kube-system_coredns-1":   "line 1\nline 2\n",
		"periscope/periscope-errors.log":        "kubeobjects/shop_secret: forbidden: list secrets in namespace shop\n",
	}, zipEntries(t, filepath.Join(dir, run, "node-a", "node-a.zip")))
	assert.Equal(t, map[string]string{"dns/virtualmachine": "nameserver 10.0.0.11\n"},
		zipEntries(t, filepath.Join(dir, run, "node-b", "node-b.zip")), "node-b collected no cluster item")

	st, err := publish.ReadStatus(filepath.Join(dir, run, "node-a"))
	require.NoError(t, err)
	assert.Equal(t, []string{"dns", "periscope"}, st.Collectors, "status.json lists the node's own items")
	assert.Equal(t, []publish.Item{
		{Name: "kube-system_coredns-1", Collector: "containerlogs", Bytes: int64(len("line 1\nline 2\n"))},
		{Name: "kube-system_pod_coredns-1", Collector: "kubeobjects", Bytes: int64(len("Name: coredns-1\n"))},
	}, st.ClusterItems, "and, apart, the cluster items it collected")
	stB, err := publish.ReadStatus(filepath.Join(dir, run, "node-b"))
	require.NoError(t, err)
	assert.Empty(t, stB.ClusterItems)
	assert.NotContains(t, readFile(t, filepath.Join(dir, run, "node-b", "status.json")), "cluster_items")
}

// A cluster item's failed upload is the batch's error, so the receiver
// does not record the run's part as done and another collector retries.
func TestClusterUploadFailureIsReturned(t *testing.T) {
	dir := t.TempDir()
	e, tracker := newTestExporter(t, dir)
	e.publisher = publish.New(refusingStore{})
	cl, csl := newClusterRun("r1", "node-a")
	layout.AppendDocument(csl, "kubeobjects", "kube-system_pod_coredns-1", []byte("x"), now)
	err := e.consumeLogs(context.Background(), cl)
	require.ErrorContains(t, err, "run r1 cluster items not delivered: fixture: upload of r1/cluster/kube-system_pod_coredns-1 refused")
	assert.Error(t, tracker.DeliveryFailures())

	// Unmarked records of the same batch shape go to the node as before.
	nl, nsl := newRun("r1", "node-a")
	layout.AppendDocument(nsl, "kubeobjects", "kube-system_pod_coredns-1", []byte("x"), now)
	e.publisher = publish.New(nil)
	require.NoError(t, e.consumeLogs(context.Background(), nl))
	assert.FileExists(t, filepath.Join(dir, "r1", "node-a", "kube-system_pod_coredns-1"))
	require.NoError(t, e.shutdown(context.Background()))
	zr, err := zip.OpenReader(filepath.Join(dir, "r1", "node-a", "node-a.zip"))
	require.NoError(t, err)
	defer zr.Close()
	assert.Len(t, zr.File, 1, "one entry, not the same item twice")
}

// refusingStore is a Store fixture whose every upload fails.
type refusingStore struct{}

func (refusingStore) Upload(_ context.Context, name, _ string) error {
	return errors.New("fixture: upload of " + name + " refused")
}
func (refusingStore) Where() string { return "fixture" }

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}
