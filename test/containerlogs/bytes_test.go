//go:build linux

package containerlogs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/logfixture"
)

// Every selected file is an item byte for byte as the node has it: the
// current container logs with their CRI time, stream and tag, the
// kubelet's rotations beside them (a .gz one decompressed), two files
// whose first 8 KiB are identical, and node logs with bytes that are not
// text. The zip's entries hold the same bytes; a namespace not in the
// list is not collected; the run is complete.
func TestItemsAreTheNodesFilesByteForByte(t *testing.T) {
	r := newRun(t, diskTempDir(t))
	tree, err := logfixture.Pods(r.root, logfixture.Options{
		Seed:       20261128,
		Namespaces: []string{"kube-system", "default"},
		Containers: 6, Bytes: 24 << 20,
		SharedHead: 2.0 / 6, SharedHeadBytes: 8 << 10,
		PlainRotations: 1, GzipRotations: 2,
	})
	require.NoError(t, err)
	other, err := logfixture.Pods(r.root, logfixture.Options{Seed: 99, Namespaces: []string{"not-selected"}, Containers: 2, Bytes: 1 << 20})
	require.NoError(t, err)
	want := tree.Files
	for i, p := range []string{"/var/log/azure/cluster-provision.log", "/var/log/cloud-init.log"} {
		f, err := logfixture.NodeLog(r.root, p, int64(3-i)<<20, uint64(i+1))
		require.NoError(t, err)
		want = append(want, f)
	}
	t.Logf("container logs: %s; node logs: 2", logSizes(tree))

	r.env["DIAGNOSTIC_CONTAINERLOGS_LIST"] = tree.ContainerLogsList()
	r.env["DIAGNOSTIC_NODELOGS_LIST_LINUX"] = "/var/log/azure/cluster-provision.log /var/log/cloud-init.log"
	res := r.runOnce(t, 2*time.Minute)
	t.Logf("run: %s", res.wall.Round(time.Millisecond))
	require.Equal(t, 0, res.code, "%s", res)

	var missing, differ, noEntry, entryDiffers failures
	zip := r.zip(t)
	for _, f := range want {
		if _, err := os.Stat(r.item(f.Key)); err != nil {
			missing.add("%s (from %s%s)", f.Key, f.NodePath, note(f))
		} else if err := f.CheckFile(r.item(f.Key)); err != nil {
			differ.add("%v%s", err, note(f))
		}
		if zf, ok := zip[f.ZipEntry()]; !ok {
			noEntry.add("%s", f.ZipEntry())
		} else if err := f.CheckZip(zf); err != nil {
			entryDiffers.add("zip entry %s: %v", f.ZipEntry(), err)
		}
	}
	missing.report(t, "items missing")
	differ.report(t, "items are not their node file byte for byte")
	noEntry.report(t, "zip entries missing")
	entryDiffers.report(t, "zip entries are not their node file byte for byte")
	for _, f := range other.Files {
		assert.NoFileExists(t, r.item(f.Key), "namespace not-selected is not in the list")
		assert.NotContains(t, zip, f.ZipEntry())
	}

	st := r.status(t)
	assert.Equal(t, "true", st.complete(), `status.json "complete"`)
	assert.Empty(t, st.Errors, "errors in status.json")
	inStatus := map[string]int64{}
	for _, it := range st.Items {
		inStatus[it.Collector+"/"+it.Name] = it.Bytes
	}
	var listed failures
	for _, f := range want {
		if n, ok := inStatus[f.ZipEntry()]; !ok || n != f.Size {
			listed.add("%s: listed %v with %d bytes, want %d", f.ZipEntry(), ok, n, f.Size)
		}
	}
	listed.report(t, "items are not listed in status.json with their size")
	assert.NoFileExists(t, filepath.Join(r.nodeDir(), "periscope-errors.log"))
}

// note says what is special about a file, for failure messages.
func note(f logfixture.File) string {
	switch {
	case f.Gzip:
		return " (a gzip rotation: the item is its content)"
	case f.SharedHead:
		return " (its first KiB are another file's too)"
	}
	return ""
}
