package periscopeexporter

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	kflate "github.com/klauspost/compress/flate"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
	"github.com/periscope-otel/periscope/internal/atomicfile"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/nodefile"
)

// nodeRunWriter builds one node's folder of one run: <run-id>/<node-name>.
type nodeRunWriter struct {
	dir, runID, node string
	collectorOf      map[string]string      // item key → collector, for zip entries
	appending        map[string]*appendFile // items written line by line, open until finish
	clusterEntries   map[string]string      // zip entry → file of a cluster item this node collected (cluster.go)
	follows          map[string]string      // tailed file path (filelog's log.file.path) → the item copied from it
	incomplete       []string               // items the run set out to collect and did not collect whole
	dirty            bool                   // written since the last finish
	reported         bool                   // output named in the run summary
	published        bool                   // finished and handed to the publisher at least once
	delivered        bool                   // the last publish reached its destination
	started          time.Time
}

func newNodeRunWriter(dir, runID, node string) (*nodeRunWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	return &nodeRunWriter{
		dir: dir, runID: runID, node: node,
		collectorOf: map[string]string{},
		appending:   map[string]*appendFile{},
		follows:     map[string]string{},
		started:     time.Now(),
	}, nil
}

// claim ties an item key to its collector; two collectors sharing a key
// would overwrite each other's data, so the second is refused.
func (w *nodeRunWriter) claim(collector, key string) error {
	switch key {
	case w.node + ".zip":
		return fmt.Errorf("item key %q is reserved for the node zip", key)
	case layout.StatusKey, publish.PendingMarker:
		return fmt.Errorf("item key %q is reserved for the delivery record", key)
	}
	if prev, ok := w.collectorOf[key]; ok && prev != collector {
		return fmt.Errorf("item key %q of collector %q is already used by collector %q", key, collector, prev)
	}
	w.collectorOf[key] = collector
	w.dirty = true
	return nil
}

// writeDocument replaces the item atomically: readers see the old or the
// new content, never half of it.
func (w *nodeRunWriter) writeDocument(it layout.Item, data []byte) error {
	if err := w.claim(it.Collector, it.Key); err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(w.dir, it.Key), 0o644, data)
}

// copyFile makes the item a copy of a node file as it was at the run's
// start, streamed in large chunks (nodefile), never held in memory. What
// could be copied stays; a copy that fell short returns why, and the
// caller records the item as incomplete. follow, when set, is the path
// a tailing receiver reports for the file: its later lines join the item.
func (w *nodeRunWriter) copyFile(it layout.Item, snap nodefile.Snapshot, follow string) error {
	_, had := w.collectorOf[it.Key]
	if err := w.claim(it.Collector, it.Key); err != nil {
		return err
	}
	path := filepath.Join(w.dir, it.Key)
	if af, ok := w.appending[it.Key]; ok {
		// Lines appended before the copy arrived are part of the file.
		_ = af.f.Close()
		delete(w.appending, it.Key)
	}
	if follow != "" {
		w.follows[follow] = it.Key
	}
	var copyErr error
	err := atomicfile.Write(path, 0o644, func(out io.Writer) error {
		_, copyErr = snap.CopyTo(out)
		if copyErr != nil && !errors.Is(copyErr, nodefile.ErrChanged) {
			return copyErr
		}
		return nil
	})
	if err != nil && !had {
		delete(w.collectorOf, it.Key) // nothing was written under the key
	}
	if copyErr != nil {
		return copyErr
	}
	return err
}

// followed is the item key a tailed file's lines belong to, if a copy
// declared it.
func (w *nodeRunWriter) followed(filePath string) (string, bool) {
	k, ok := w.follows[filePath]
	return k, ok
}

// markIncomplete records an item the run did not collect whole; the node
// run's record says so (status.json "complete": false).
func (w *nodeRunWriter) markIncomplete(msg string) {
	w.incomplete = append(w.incomplete, msg)
	w.dirty = true
}

// appendFile is a streamed item, buffered: one write per batch, not per line.
type appendFile struct {
	f *os.File
	w *bufio.Writer
}

// appendLine adds one line to a streamed item (a log file, a journal).
func (w *nodeRunWriter) appendLine(it layout.Item, line []byte) error {
	if err := w.claim(it.Collector, it.Key); err != nil {
		return err
	}
	af, ok := w.appending[it.Key]
	if !ok {
		path := filepath.Join(w.dir, it.Key)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		af = &appendFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}
		w.appending[it.Key] = af
	}
	_, err := af.w.Write(line)
	if err == nil {
		err = af.w.WriteByte('\n')
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", af.f.Name(), err)
	}
	return nil
}

// flush writes buffered lines out, so what a batch delivered is on disk
// when ConsumeLogs returns.
func (w *nodeRunWriter) flush() error {
	var errs []error
	for _, af := range w.appending {
		if err := af.w.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("append to %s: %w", af.f.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// appendError adds "<collector>/<key>: <why>" to the node's errors item.
func (w *nodeRunWriter) appendError(it layout.Item, msg string) error {
	errItem := layout.Item{RunID: it.RunID, Node: it.Node, Collector: layout.ErrorsCollector, Key: layout.ErrorsItemKey}
	return w.appendLine(errItem, []byte(it.ZipEntry()+": "+msg))
}

// finish closes streamed items, writes the node zip, last, and hands the
// node run over for publishing.
func (w *nodeRunWriter) finish() (publish.Run, error) {
	errs := []error{w.flush()}
	for key, af := range w.appending {
		if err := af.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", af.f.Name(), err))
		}
		delete(w.appending, key)
	}
	if err := errors.Join(errs...); err != nil {
		return publish.Run{}, err
	}
	if _, err := w.writeZip(); err != nil {
		return publish.Run{}, err
	}
	w.dirty = false
	items := make(map[string]string, len(w.collectorOf))
	for k, c := range w.collectorOf {
		items[k] = c
	}
	return publish.Run{Dir: w.dir, RunID: w.runID, Node: w.node, Items: items, ClusterItems: w.zippedClusterEntries(),
		Incomplete: slices.Clone(w.incomplete), Started: w.started, Finished: time.Now()}, nil
}

func (w *nodeRunWriter) writeZip() (string, error) {
	target := filepath.Join(w.dir, w.node+".zip")
	return target, atomicfile.Write(target, 0o644, w.zipItems)
}

// zipItems streams every item into the zip as <collector>/<item-key>, in
// key order so the same run gives the same archive.
func (w *nodeRunWriter) zipItems(out io.Writer) error {
	keys := make([]string, 0, len(w.collectorOf))
	for k := range w.collectorOf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	zw := zip.NewWriter(out)
	zw.RegisterCompressor(zip.Deflate, fastDeflate)
	for _, key := range keys {
		it := layout.Item{RunID: w.runID, Node: w.node, Collector: w.collectorOf[key], Key: key}
		if err := addFile(zw, it.ZipEntry(), filepath.Join(w.dir, key)); err != nil {
			return err
		}
	}
	if err := w.zipClusterItems(zw); err != nil {
		return err
	}
	return zw.Close()
}

// fastDeflate compresses zip entries with klauspost/compress's flate at
// level 1: the deflate format every unzip reads, at about twice the speed
// of the standard library's best speed and faster than `zip -1`. Logs are
// most of a node zip, on a node that is often short of CPU, so speed wins
// over the last percent of size. Compressors are reused across entries.
func fastDeflate(out io.Writer) (io.WriteCloser, error) {
	fw, ok := deflaters.Get().(*kflate.Writer)
	if !ok {
		var err error
		if fw, err = kflate.NewWriter(out, kflate.BestSpeed); err != nil {
			return nil, err
		}
	} else {
		fw.Reset(out)
	}
	return &pooledDeflater{fw}, nil
}

var deflaters sync.Pool

type pooledDeflater struct{ *kflate.Writer }

func (d *pooledDeflater) Close() error {
	err := d.Writer.Close()
	deflaters.Put(d.Writer)
	return err
}

func addFile(zw *zip.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("zip %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("zip %s: %w", path, err)
	}
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: fi.ModTime().UTC().Truncate(time.Second)}
	dst, err := zw.CreateHeader(hdr)
	if err != nil {
		return fmt.Errorf("zip %s: %w", path, err)
	}
	if _, err := io.Copy(dst, f); err != nil {
		return fmt.Errorf("zip %s: %w", path, err)
	}
	return nil
}
