package logfixture

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	// The kubelet's layout, as contrib filelog's container parser reads it.
	podLogPath = regexp.MustCompile(`^/var/log/pods/([^_/]+)_([^_/]+)_([a-f0-9-]{36})/([^._/]+)/(\d+)\.log(\.\d{8}-\d{6}(\.gz)?)?$`)
	criLine    = regexp.MustCompile(`^(\S+) (stdout|stderr) ([PF]) `)
)

func TestPodsWritesTheKubeletLayout(t *testing.T) {
	root := t.TempDir()
	tree, err := Pods(root, Options{
		Seed: 7, Namespaces: []string{"kube-system", "default"}, Containers: 12, Bytes: 6 << 20,
		SharedHead: 0.5, PlainRotations: 1, GzipRotations: 2,
	})
	require.NoError(t, err)
	require.Len(t, tree.Files, 12*4)
	assert.Equal(t, "kube-system default", tree.ContainerLogsList())
	assert.InDelta(t, 6<<20, tree.Bytes(), 1<<20, "about the bytes asked for")

	keys := map[string]bool{}
	var shared, gz int
	for _, f := range tree.Files {
		m := podLogPath.FindStringSubmatch(f.NodePath)
		require.NotNil(t, m, f.NodePath)
		ns, pod, container, restart, rotation := m[1], m[2], m[4], m[5], strings.TrimSuffix(m[6], ".gz")
		assert.Equal(t, ns+"_"+pod+"_"+container+"_"+restart+".log"+rotation, f.Key)
		assert.Equal(t, ContainerLogs+"/"+f.Key, f.ZipEntry())
		assert.Equal(t, m[7] == ".gz", f.Gzip, f.NodePath)
		assert.Equal(t, filepath.Join(root, f.NodePath), f.Path)
		assert.False(t, keys[f.Key], "key %s twice", f.Key)
		keys[f.Key] = true
		if f.SharedHead {
			shared++
			assert.Empty(t, rotation, "only current files share the head")
		}
		if f.Gzip {
			gz++
		}
		// The description is the content: Check of the file itself passes.
		require.NoError(t, f.Check(f.Open), f.NodePath)
	}
	assert.Equal(t, 6, shared)
	assert.Equal(t, 24, gz)
}

// Every line is a CRI line; long messages are cut at 16 KiB into P lines
// ended by an F line; both streams appear.
func TestPodsWritesCRILines(t *testing.T) {
	tree, err := Pods(t.TempDir(), Options{Seed: 3, Containers: 4, Bytes: 8 << 20})
	require.NoError(t, err)
	seen := map[string]int{}
	for _, f := range tree.Files {
		r, err := f.Open()
		require.NoError(t, err)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		var last time.Time
		partial := false
		for sc.Scan() {
			line := sc.Text()
			m := criLine.FindStringSubmatch(line)
			require.NotNil(t, m, "%s: %.200q", f.NodePath, line)
			ts, err := time.Parse(time.RFC3339Nano, m[1])
			require.NoError(t, err)
			assert.False(t, ts.Before(last), "time goes forward")
			last = ts
			seen[m[2]]++
			seen[m[3]]++
			if m[3] == "P" {
				assert.Len(t, line, len(m[0])+runtimeLineMax, "a partial line is the runtime's full buffer")
			}
			if m[3] == "F" && partial {
				seen["P+F"]++
			}
			partial = m[3] == "P"
		}
		require.NoError(t, sc.Err())
		r.Close()
	}
	for _, k := range []string{"stdout", "stderr", "F", "P", "P+F"} {
		assert.Positive(t, seen[k], k)
	}
	t.Logf("lines: %v", seen)
}

// Shared heads are identical for SharedHeadBytes; every other file differs
// from all others within filelog's 1 KiB fingerprint.
func TestPodsSharedAndDistinctHeads(t *testing.T) {
	tree, err := Pods(t.TempDir(), Options{Seed: 11, Containers: 20, Bytes: 4 << 20, SharedHead: 0.3, SharedHeadBytes: 6 << 10})
	require.NoError(t, err)
	require.GreaterOrEqual(t, tree.SharedHeadBytes, 6<<10)
	require.LessOrEqual(t, tree.SharedHeadBytes, 6<<10+2048)
	heads := map[string]string{}
	var sharedHead []byte
	for _, f := range tree.Files {
		if f.SharedHead {
			data, err := os.ReadFile(f.Path)
			require.NoError(t, err)
			sharedHead = data[:tree.SharedHeadBytes]
			break
		}
	}
	require.NotNil(t, sharedHead)
	for _, f := range tree.Files {
		data, err := os.ReadFile(f.Path)
		require.NoError(t, err)
		if f.SharedHead {
			require.Greater(t, len(data), tree.SharedHeadBytes, "the file goes on after the head")
			assert.Equal(t, sharedHead, data[:tree.SharedHeadBytes])
			assert.Equal(t, byte('\n'), data[tree.SharedHeadBytes-1], "the head ends at a line end")
			continue
		}
		head := string(data[:1024])
		assert.NotContains(t, heads, head, "%s and %s", f.NodePath, heads[head])
		heads[head] = f.NodePath
		assert.False(t, bytes.HasPrefix(data, sharedHead[:1024]))
	}
	assert.Len(t, heads, 14)
}

func TestPodsIsDeterministic(t *testing.T) {
	o := Options{Seed: 5, Containers: 6, Bytes: 1 << 20, SharedHead: 0.5, PlainRotations: 1, GzipRotations: 1}
	a, err := Pods(t.TempDir(), o)
	require.NoError(t, err)
	b, err := Pods(t.TempDir(), o)
	require.NoError(t, err)
	o.Seed = 6
	c, err := Pods(t.TempDir(), o)
	require.NoError(t, err)
	for i := range a.Files {
		assert.Equal(t, a.Files[i].NodePath, b.Files[i].NodePath)
		assert.Equal(t, a.Files[i].SHA256, b.Files[i].SHA256)
		assert.NotEqual(t, a.Files[i].SHA256, c.Files[i].SHA256)
	}
}

// Check names the first byte a copy gets wrong, and a short copy.
func TestCheckNamesTheDifference(t *testing.T) {
	tree, err := Pods(t.TempDir(), Options{Seed: 1, Containers: 1, Bytes: 12 << 20, GzipRotations: 1})
	require.NoError(t, err)
	for _, f := range tree.Files {
		r, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(r)
		require.NoError(t, err)
		r.Close()
		copyPath := filepath.Join(t.TempDir(), "copy")

		require.NoError(t, os.WriteFile(copyPath, data, 0o644))
		assert.NoError(t, f.CheckFile(copyPath))

		// Past the first 1 MiB chunk of the comparison.
		off := len(data) - 5
		require.Greater(t, off, 1<<20)
		bad := bytes.Clone(data)
		bad[off] ^= 0x20
		require.NoError(t, os.WriteFile(copyPath, bad, 0o644))
		assert.ErrorContains(t, f.CheckFile(copyPath), fmt.Sprintf("differs at byte %d", off))

		require.NoError(t, os.WriteFile(copyPath, data[:1000], 0o644))
		assert.ErrorContains(t, f.CheckFile(copyPath), fmt.Sprintf("the copy has 1000 bytes, want %d; the first 1000 are the same", f.Size))
	}
}

func TestNodeLog(t *testing.T) {
	root := t.TempDir()
	f, err := NodeLog(root, "/var/log/azure/cluster-provision.log", 1<<20, 9)
	require.NoError(t, err)
	assert.Equal(t, "var_log_azure_cluster-provision.log", f.Key)
	assert.Equal(t, NodeLogs, f.Collector)
	assert.InDelta(t, 1<<20, f.Size, 4096)
	require.NoError(t, f.CheckFile(filepath.Join(root, "var/log/azure/cluster-provision.log")))
	data, err := os.ReadFile(f.Path)
	require.NoError(t, err)
	assert.Regexp(t, `^2026-11-28 09:00:00,\d{3} - \S`, string(data))
}

// The speed of writing a tree (reported as MB/s): the e2e tests write
// 1 GiB.
func BenchmarkPods(b *testing.B) {
	const size = 256 << 20
	b.SetBytes(size)
	for b.Loop() {
		dir := b.TempDir()
		_, err := Pods(dir, Options{Seed: 1, Containers: 64, Bytes: size, SharedHead: 0.25})
		require.NoError(b, err)
		require.NoError(b, os.RemoveAll(dir))
	}
}

func ExamplePods() {
	dir, _ := os.MkdirTemp("", "logfixture")
	defer os.RemoveAll(dir)
	tree, _ := Pods(dir, Options{Seed: 1, Containers: 2, Bytes: 64 << 10, PlainRotations: 1, GzipRotations: 1})
	for _, f := range tree.Files {
		fmt.Println(f.ZipEntry())
	}
	// Output:
	// containerlogs/kube-system_csi-azurefile-node-5nl64_node-driver-registrar_0.log
	// containerlogs/kube-system_csi-azurefile-node-5nl64_node-driver-registrar_0.log.20261128-160000
	// containerlogs/kube-system_csi-azurefile-node-5nl64_node-driver-registrar_0.log.20261128-220000
	// containerlogs/kube-system_csi-azurefile-node-5nl64_liveness-probe_1.log
	// containerlogs/kube-system_csi-azurefile-node-5nl64_liveness-probe_1.log.20261128-155959
	// containerlogs/kube-system_csi-azurefile-node-5nl64_liveness-probe_1.log.20261128-215959
}
