package periscopeexporter

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/nodefile"
)

const copyRun = "2026-12-04T10-00-00Z"

func takeFile(t *testing.T, path string, content string) nodefile.Snapshot {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	snap, err := nodefile.Take(path)
	require.NoError(t, err)
	return snap
}

// A file record becomes its item byte for byte and its zip entry; lines a
// tailing receiver reads later from the same path join that item.
func TestFileRecordsAreCopiedAndFollowed(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	e, tracker := newTestExporter(t, dir)
	logPath := filepath.Join(src, "0.log")
	raw := "2026-12-04T10:00:00.000000000Z stdout F ok\n2026-12-04T10:00:01.000000000Z stderr P half \n"
	snap := takeFile(t, logPath, raw)

	ld, sl := newRun(copyRun, "node-a")
	layout.AppendFile(sl, "containerlogs", "ns_pod_c_0.log", snap, "/var/log/pods/ns_pod_uid/c/0.log", logPath, now)
	require.NoError(t, e.consumeLogs(context.Background(), ld))

	// A line filelog tailed later, keyed only by its path.
	ld, sl = newRun(copyRun, "node-a")
	lr := sl.LogRecords().AppendEmpty()
	lr.Attributes().PutStr(layout.AttrCollector, "containerlogs")
	lr.Attributes().PutStr(layout.AttrFilePath, logPath)
	lr.Body().SetStr("2026-12-04T10:00:02.000000000Z stderr F later")
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	require.NoError(t, e.shutdown(context.Background()))

	node := filepath.Join(dir, copyRun, "node-a")
	want := raw + "2026-12-04T10:00:02.000000000Z stderr F later\n"
	assert.Equal(t, want, readString(t, filepath.Join(node, "ns_pod_c_0.log")))
	assert.Equal(t, want, zipEntries(t, filepath.Join(node, "node-a.zip"))["containerlogs/ns_pod_c_0.log"])
	assert.NoError(t, tracker.Incomplete())
	st, err := publish.ReadStatus(node)
	require.NoError(t, err)
	assert.True(t, st.Complete)
}

// A file that changed between the run's start and the copy keeps what
// could be read; the item is named in periscope-errors.log, status.json
// (complete false, stage incomplete) and the tracker (exit code 4).
func TestChangedFileMakesTheRunIncomplete(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	e, tracker := newTestExporter(t, dir)
	p := filepath.Join(src, "cloud-init.log")
	snap := takeFile(t, p, strings.Repeat("a line of the node log\n", 10))
	require.NoError(t, os.Truncate(p, 23))
	gone := takeFile(t, filepath.Join(src, "gone.log"), "x\n")
	require.NoError(t, os.Remove(gone.Path))

	ld, sl := newRun(copyRun, "node-a")
	layout.AppendFile(sl, "nodelogs", "var_log_cloud-init.log", snap, "/var/log/cloud-init.log", "", now)
	layout.AppendFile(sl, "nodelogs", "var_log_gone.log", gone, "/var/log/gone.log", "", now)
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	require.NoError(t, e.shutdown(context.Background()))

	node := filepath.Join(dir, copyRun, "node-a")
	assert.Equal(t, "a line of the node log\n", readString(t, filepath.Join(node, "var_log_cloud-init.log")), "what could be read is kept")
	shrank := "nodelogs/var_log_cloud-init.log: /var/log/cloud-init.log: the file changed during the run: shrank from 230 to 23 bytes during the copy (truncated, or rotated by copytruncate); the item holds the first 23 bytes"
	errs := readString(t, filepath.Join(node, layout.ErrorsItemKey))
	assert.Contains(t, errs, shrank+"\n")
	assert.Contains(t, errs, "nodelogs/var_log_gone.log: /var/log/gone.log: open "+gone.Path+": no such file or directory\n")
	_, err := os.Stat(filepath.Join(node, "var_log_gone.log"))
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing is written under a key that could not be read")

	st, err := publish.ReadStatus(node)
	require.NoError(t, err)
	assert.False(t, st.Complete)
	var incomplete []string
	for _, e := range st.Errors {
		require.NotEqual(t, publish.StageCollection, e.Stage, "said once, as incomplete: %s", e.Message)
		if e.Stage == publish.StageIncomplete {
			incomplete = append(incomplete, e.Message)
		}
	}
	assert.Len(t, incomplete, 2)
	assert.Contains(t, incomplete, shrank)
	phase, reason := phaseOf(st)
	assert.Equal(t, phaseIncomplete, phase)
	assert.NotEmpty(t, reason)
	assert.ErrorContains(t, tracker.Incomplete(), "run "+copyRun+" node node-a: "+shrank)
	require.Len(t, tracker.Outputs(), 1)
	assert.Contains(t, tracker.Outputs()[0], "(2 items, INCOMPLETE: 2 not collected whole, see periscope-errors.log; zip ", "the summary line says it too")
}

// A 1 GiB node log is copied into its item and the zip with memory that
// does not grow with it: the heap in use after the copy is within a few
// MiB of before (the Go runtime's own statistics, not wall time).
func TestLargeFileIsCopiedWithBoundedMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes and compresses 1 GiB: run without -short and -race (make unit does)")
	}
	dir, src := t.TempDir(), t.TempDir()
	p := filepath.Join(src, "big.log")
	f, err := os.Create(p)
	require.NoError(t, err)
	block := []byte(strings.Repeat("2026-12-04T10:00:00.000000000Z stdout F a line of a busy container, repeated\n", 13797)) // ~1 MiB
	for written := 0; written < 1<<30; written += len(block) {
		_, err = f.Write(block)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
	snap, err := nodefile.Take(p)
	require.NoError(t, err)

	e, _ := newTestExporter(t, dir)
	var before, peak runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // sample the heap while the copy and the zip run
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			default:
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.HeapInuse {
				peak = m
			}
			runtime.Gosched()
		}
	}()
	ld, sl := newRun(copyRun, "node-a")
	layout.AppendFile(sl, "nodelogs", "var_log_big.log", snap, "/var/log/big.log", "", now)
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	require.NoError(t, e.shutdown(context.Background()))
	close(stop)
	<-sampled

	node := filepath.Join(dir, copyRun, "node-a")
	fi, err := os.Stat(filepath.Join(node, "var_log_big.log"))
	require.NoError(t, err)
	assert.Equal(t, snap.Size, fi.Size())
	zr := zipEntriesSizes(t, filepath.Join(node, "node-a.zip"))
	assert.Equal(t, uint64(snap.Size), zr["nodelogs/var_log_big.log"])
	grown := int64(peak.HeapInuse) - int64(before.HeapInuse)
	t.Logf("heap in use: %d MiB before, %d MiB at the peak of copying and zipping %d MiB", before.HeapInuse>>20, peak.HeapInuse>>20, snap.Size>>20)
	assert.Less(t, grown, int64(16<<20), "the heap grew by %d bytes for a %d-byte file", grown, snap.Size)
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func zipEntriesSizes(t *testing.T, path string) map[string]uint64 {
	t.Helper()
	zr, err := zipOpen(path)
	require.NoError(t, err)
	defer zr.Close()
	sizes := map[string]uint64{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		n, err := io.Copy(io.Discard, rc) // checks the CRC too
		rc.Close()
		require.NoError(t, err)
		require.Equal(t, f.UncompressedSize64, uint64(n))
		sizes[f.Name] = uint64(n)
	}
	return sizes
}

var zipOpen = zip.OpenReader
