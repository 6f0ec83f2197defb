package cluster_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/test/azurite"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

// The cluster items of the test collector: kube_objects' describes of the
// fixture objects and cluster_fixture's note of who collected it.
var wantClusterItems = []string{
	"cluster-test_pod_web-1",
	"cluster-test_pod_web-2",
	"cluster-test_service_web",
	"collected-by",
}

// zipEntryOf is each cluster item's entry in a node zip.
func zipEntryOf(item string) string {
	if item == "collected-by" {
		return "fixture/" + item
	}
	return "kubeobjects/" + item
}

// Two collectors, same run ID, same output: every cluster item is written
// once, under <run-id>/cluster, and zipped by exactly one node; a new run
// ID collects again, once.
func TestEachClusterItemIsCollectedOncePerRun(t *testing.T) {
	c, kubeconfig, bin := setup(t)
	out := t.TempDir()
	for _, run := range []string{"2026-11-29T03-00-00Z", "2026-11-29T03-10-00Z"} {
		a := start(t, bin, params{RunID: run, Node: "node-a", OutputDir: out, Kubeconfig: kubeconfig})
		b := start(t, bin, params{RunID: run, Node: "node-b", OutputDir: out, Kubeconfig: kubeconfig})
		require.NoError(t, a.wait(t, 2*time.Minute), "node-a")
		require.NoError(t, b.wait(t, 2*time.Minute), "node-b")

		assert.Equal(t, wantClusterItems, files(t, filepath.Join(out, run, "cluster")), run)
		zippedBy := map[string][]string{}
		for _, node := range []string{"node-a", "node-b"} {
			for entry := range nodeZip(t, filepath.Join(out, run, node, node+".zip")) {
				zippedBy[entry] = append(zippedBy[entry], node)
			}
		}
		collected := completed(t, c, run)
		for _, item := range wantClusterItems {
			assert.Len(t, zippedBy[zipEntryOf(item)], 1, "%s %s zipped by %v", run, item, zippedBy[zipEntryOf(item)])
		}
		require.Len(t, collected, 2, "kube_objects and cluster_fixture recorded as delivered")
		fixtureNode := zippedBy["fixture/collected-by"][0]
		assert.True(t, strings.HasPrefix(collected["cluster_fixture"], fixtureNode+"-"), "recorded holder %s zipped it", collected["cluster_fixture"])
		assert.Equal(t, fixtureNode+"\n", readFile(t, filepath.Join(out, run, "cluster", "collected-by")))
	}
}

// The leader is killed (SIGKILL: no release) after it delivered
// kube_objects and while it is collecting cluster_fixture. The other
// collector takes cluster_fixture over within the run, once the lease
// expires, and does not repeat kube_objects; its one-shot run ends only
// then.
func TestTakeoverWhenTheLeaderDiesMidRun(t *testing.T) {
	c, kubeconfig, bin := setup(t)
	out := t.TempDir()
	const run = "2026-11-29T03-20-00Z"
	a := start(t, bin, params{RunID: run, Node: "node-a", OutputDir: out, Kubeconfig: kubeconfig, Hang: true})
	require.Eventually(t, func() bool {
		return strings.Contains(a.stderr.String(), "cluster_fixture: collecting, and hanging") &&
			completed(t, c, run)["kube_objects"] != ""
	}, time.Minute, 50*time.Millisecond, "node-a leads, delivered kube_objects, hangs in cluster_fixture")

	b := start(t, bin, params{RunID: run, Node: "node-b", OutputDir: out, Kubeconfig: kubeconfig})
	select {
	case err := <-b.done:
		b.done <- err
		t.Fatalf("node-b ended (%v) while node-a leads", err)
	case <-time.After(3 * 2 * time.Second): // three lease durations
	}

	require.NoError(t, a.cmd.Process.Kill())
	killed := time.Now()
	require.NoError(t, b.wait(t, time.Minute), "node-b takes over and completes its run")
	t.Logf("node-b finished %s after node-a was killed (lease duration 2s)", time.Since(killed).Round(10*time.Millisecond))

	assert.Equal(t, wantClusterItems, files(t, filepath.Join(out, run, "cluster")))
	assert.Equal(t, "node-b\n", readFile(t, filepath.Join(out, run, "cluster", "collected-by")))
	assert.Equal(t, []string{"fixture/collected-by"}, keysOf(nodeZip(t, filepath.Join(out, run, "node-b", "node-b.zip"))),
		"node-b collected only what node-a had not delivered")
	assert.NoFileExists(t, filepath.Join(out, run, "node-a", "node-a.zip"), "node-a died before finishing")

	collected := completed(t, c, run)
	assert.True(t, strings.HasPrefix(collected["kube_objects"], "node-a-"), collected["kube_objects"])
	assert.True(t, strings.HasPrefix(collected["cluster_fixture"], "node-b-"), collected["cluster_fixture"])
}

// completed reads the Lease's record of what was delivered for run.
func completed(t *testing.T, c *kubeapi.Cluster, run string) map[string]string {
	t.Helper()
	lease, err := c.Client().CoordinationV1().Leases("aks-periscope").Get(context.Background(), "aks-periscope-cluster", metav1.GetOptions{})
	if err != nil {
		return nil
	}
	var runs []struct {
		RunID     string            `json:"run_id"`
		Collected map[string]string `json:"collected"`
	}
	raw := lease.Annotations[clusterlease.AnnotationCompleted]
	if raw == "" {
		return nil
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &runs))
	for _, r := range runs {
		if r.RunID == run {
			return r.Collected
		}
	}
	return nil
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

// nodeZip reads a node zip's entries; a node that collected nothing has
// none.
func nodeZip(t *testing.T, path string) map[string]string {
	t.Helper()
	entries := map[string]string{}
	zr, err := zip.OpenReader(path)
	if os.IsNotExist(err) {
		return entries
	}
	require.NoError(t, err)
	defer zr.Close()
	for _, f := range zr.File {
		_, dup := entries[f.Name]
		require.False(t, dup, "%s twice in %s", f.Name, path)
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		entries[f.Name] = string(data)
	}
	return entries
}

func keysOf(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// Two collectors with their own spools upload to one container: the
// cluster items are uploaded by one of them only, once, under
// <run-id>/cluster, and zipped by that node only.
func TestClusterItemsAreUploadedOncePerRun(t *testing.T) {
	_, kubeconfig, bin := setup(t)
	const run = "2026-11-29T03-30-00Z"
	token, err := azurite.AccountSAS(time.Now().Add(time.Hour))
	require.NoError(t, err)
	container := "cluster-once"
	spools := map[string]string{"node-a": t.TempDir(), "node-b": t.TempDir()}
	var procs []*collector
	for _, node := range []string{"node-a", "node-b"} {
		procs = append(procs, start(t, bin, params{RunID: run, Node: node, OutputDir: spools[node], Kubeconfig: kubeconfig,
			BlobURL: blob.BlobURL, BlobAccount: azurite.AccountName, BlobContainer: container, BlobSAS: "?" + token}))
	}
	for _, p := range procs {
		require.NoError(t, p.wait(t, 2*time.Minute), p.name)
	}

	blobs, err := blob.Blobs(context.Background(), container)
	require.NoError(t, err)
	var clusterBlobs []string
	for name := range blobs {
		if rest, ok := strings.CutPrefix(name, run+"/cluster/"); ok {
			clusterBlobs = append(clusterBlobs, rest)
		}
	}
	sort.Strings(clusterBlobs)
	assert.Equal(t, wantClusterItems, clusterBlobs)

	var uploaders []string
	for node, spool := range spools {
		if _, err := os.Stat(filepath.Join(spool, run, "cluster")); err == nil {
			uploaders = append(uploaders, node)
		}
	}
	require.Len(t, uploaders, 1, "one collector wrote and uploaded the cluster items")
	leader := uploaders[0]
	assert.Equal(t, leader+"\n", string(blobs[run+"/cluster/collected-by"].Content))
	zip := blobs[run+"/"+leader+"/"+leader+".zip"].Content
	require.NotEmpty(t, zip, "the leader's node zip")
	entries := zipBytes(t, zip)
	for _, item := range wantClusterItems {
		assert.Contains(t, entries, zipEntryOf(item))
	}
}

func zipBytes(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	return names
}
