package containerlogsreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// A container's directory as the kubelet leaves it: restarts 0 and 1, the
// current file of each, an uncompressed rotation and two compressed ones,
// and a temporary file of a compression in progress.
func rotatedContainer(t *testing.T) (root, dir string) {
	t.Helper()
	root = t.TempDir()
	dir = filepath.Join(root, "var/log/pods/kube-system_coredns-7d5f8-x1_0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d/coredns")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	write := func(name string, data []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	write("1.log", []byte("2026-12-04T10:00:03.000000000Z stdout F current\n"))
	write("0.log", []byte("2026-12-04T09:00:00.000000000Z stderr F crashed\n"))
	write("1.log.20261204-095500", bytes.Repeat([]byte("2026-12-04T09:55:00.000000000Z stdout F newest rotation\n"), 10))
	write("1.log.20261204-094000.gz", gz(t, bytes.Repeat([]byte("2026-12-04T09:40:00.000000000Z stdout F older\n"), 10)))
	write("1.log.20261204-093000.gz", gz(t, bytes.Repeat([]byte("2026-12-04T09:30:00.000000000Z stdout F oldest\n"), 10)))
	write("1.log.20261204-100000.gz.tmp", []byte("half-compressed"))
	return root, dir
}

func gz(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

// In copy mode every current file and the rotations the kubelet kept are
// records naming the file to copy, newest rotation first, within the
// per-container budget; what the budget leaves out is named in the index.
// Only current files are followed by a tailing receiver.
func TestCopyModeCollectsRotationsWithinTheBudget(t *testing.T) {
	root, dir := rotatedContainer(t)
	cfg := createDefaultConfig().(*Config)
	cfg.RootPath = root
	// Current files (48 + 48 bytes), the newest rotation (560) and the
	// next one (decompressed 460) fit; the oldest (470) does not.
	cfg.MaxBytesPerContainer = 48 + 48 + 560 + 460 + 101
	lrs := records(newInventory(cfg, runcontrol.NewTracker()).Collect(context.Background()))

	type rec struct{ key, kind, follow string }
	var got []rec
	for i := 0; i < lrs.Len(); i++ {
		a := lrs.At(i).Attributes()
		got = append(got, rec{attr(a, layout.AttrItemKey), attr(a, layout.AttrItemKind), attr(a, layout.AttrFilePath)})
	}
	const prefix = "kube-system_coredns-7d5f8-x1_coredns_"
	assert.Equal(t, []rec{
		{prefix + "0.log", "file", filepath.Join(dir, "0.log")},
		{prefix + "1.log", "file", filepath.Join(dir, "1.log")},
		{prefix + "1.log.20261204-095500", "file", ""},
		{prefix + "1.log.20261204-094000", "file", ""},
		{"containerlogs-index", "document", ""},
	}, got)

	gzRec, err := layout.FileOf(lrs.At(3).Attributes())
	require.NoError(t, err)
	assert.True(t, gzRec.Gzip, "a .gz rotation is copied decompressed")
	assert.Equal(t, "/var/log/pods/kube-system_coredns-7d5f8-x1_0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d/coredns/1.log.20261204-094000.gz",
		attr(lrs.At(3).Attributes(), layout.AttrSourcePath))

	pod := "kube-system_coredns-7d5f8-x1_0a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d/coredns/"
	assert.Equal(t, "kube-system: 4 file(s) under /var/log/pods\n"+
		"  "+pod+"0.log\n"+
		"  "+pod+"1.log\n"+
		"  "+pod+"1.log.20261204-095500\n"+
		"  "+pod+"1.log.20261204-094000.gz (decompressed)\n"+
		"  "+pod+"1.log.20261204-093000.gz (left out: 470 bytes over max_bytes_per_container 1217 with 1116 bytes of newer files)\n",
		lrs.At(4).Body().Str())
}

// A file the run listed but cannot copy fails its own item; one that is
// not a regular file (a FIFO under a log's name) is an error, one that
// vanished makes the run incomplete.
func TestCopyModeFileErrors(t *testing.T) {
	root, dir := rotatedContainer(t)
	require.NoError(t, os.Remove(filepath.Join(dir, "0.log")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "0.log"), 0o644))
	cfg := createDefaultConfig().(*Config)
	cfg.RootPath = root
	lrs := records(newInventory(cfg, runcontrol.NewTracker()).Collect(context.Background()))
	fifo := lrs.At(0).Attributes()
	assert.Equal(t, "error", attr(fifo, layout.AttrItemKind))
	assert.Equal(t, "kube-system_coredns-7d5f8-x1_coredns_0.log", attr(fifo, layout.AttrItemKey))
	assert.Contains(t, attr(fifo, layout.AttrError), "coredns/0.log: not a regular file (a FIFO)")
	assert.False(t, layout.IsIncomplete(fifo))
	assert.Contains(t, lrs.At(lrs.Len()-1).Body().Str(), "0.log (not collected: see periscope-errors.log)")
}
