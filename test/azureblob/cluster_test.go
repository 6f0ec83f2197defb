package azureblob

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter"
	"github.com/periscope-otel/periscope/internal/layout"
)

// clusterRecords is what a cluster-scoped receiver delivers on the leading
// node: records marked periscope.scope=cluster.
func clusterRecords() plog.Logs {
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	attrs.PutStr(layout.AttrRunID, runID)
	attrs.PutStr(layout.AttrNodeName, node)
	attrs.PutStr(layout.AttrScope, layout.ScopeCluster)
	sl := rl.ScopeLogs().AppendEmpty()
	layout.AppendDocument(sl, "kubeobjects", "kube-system_pod_coredns-1", []byte("Name: coredns-1\n"), now)
	layout.AppendDocument(sl, "kubeobjects", "kube-system_service_kube-dns", []byte("Name: kube-dns\n"), now)
	return ld
}

// Cluster items are in the container under <run-id>/cluster when
// ConsumeLogs returns — before the node run is finished — which is what
// lets the collector record the run's cluster part as done; the node zip
// uploaded at the end holds them too.
func TestClusterItemsAreUploadedBeforeConsumeLogsReturns(t *testing.T) {
	container := newContainerName("cluster")
	cfg := blobConfig(t, t.TempDir(), container)
	exp, err := periscopeexporter.NewFactory().CreateLogs(context.Background(),
		exportertest.NewNopSettings(component.MustNewType("periscope")), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, exp.ConsumeLogs(context.Background(), clusterRecords()))

	blobs, err := server.Blobs(context.Background(), container)
	require.NoError(t, err)
	names := make([]string, 0, len(blobs))
	for name := range blobs {
		names = append(names, name)
	}
	assert.ElementsMatch(t, []string{runID + "/cluster/kube-system_pod_coredns-1", runID + "/cluster/kube-system_service_kube-dns"}, names,
		"only the cluster items, before the node run finishes")
	assert.Equal(t, "Name: coredns-1\n", string(blobs[runID+"/cluster/kube-system_pod_coredns-1"].Content))

	require.NoError(t, exp.ConsumeLogs(context.Background(), records()))
	require.NoError(t, exp.Shutdown(context.Background()))
	blobs, err = server.Blobs(context.Background(), container)
	require.NoError(t, err)
	entries := zipEntries(t, blobs[layout.ZipPath(runID, node)].Content)
	assert.Equal(t, "Name: kube-dns\n", entries["kubeobjects/kube-system_service_kube-dns"])
	assert.Contains(t, entries, "dns/virtualmachine")
	assert.NotContains(t, blobs, runID+"/"+node+"/kube-system_pod_coredns-1", "stored once, under cluster/")
}

// A cluster item that cannot be uploaded fails the batch: the receiver
// then leaves the run's cluster part to another collector.
func TestClusterUploadFailureFailsTheBatch(t *testing.T) {
	cfg := blobConfig(t, t.TempDir(), newContainerName("cluster-fail"))
	a := cfg.AzureBlob.Get()
	a.SASToken = "?sv=2020-08-04&ss=b&srt=sco&sp=r&se=2020-01-01T00:00:00Z&sig=AAAA" // expired, read-only
	exp, err := periscopeexporter.NewFactory().CreateLogs(context.Background(),
		exportertest.NewNopSettings(component.MustNewType("periscope")), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	err = exp.ConsumeLogs(context.Background(), clusterRecords())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cluster items not delivered")
	assert.NotContains(t, err.Error(), "sig=AAAA", "the SAS signature is never in a message")
	_ = exp.Shutdown(context.Background())
}
