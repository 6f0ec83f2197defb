package periscopeexporter

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
	"github.com/periscope-otel/periscope/internal/layout"
)

// nodeRunWriter builds one node's folder of one run: <run-id>/<node-name>.
type nodeRunWriter struct {
	dir, runID, node string
	collectorOf      map[string]string   // item key → collector, for zip entries
	appending        map[string]*os.File // items written line by line, open until finish
	started          time.Time
}

func newNodeRunWriter(dir, runID, node string) (*nodeRunWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	return &nodeRunWriter{
		dir: dir, runID: runID, node: node,
		collectorOf: map[string]string{},
		appending:   map[string]*os.File{},
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
	return nil
}

// writeDocument replaces the item atomically: readers see the old or the
// new content, never half of it.
func (w *nodeRunWriter) writeDocument(it layout.Item, data []byte) error {
	if err := w.claim(it.Collector, it.Key); err != nil {
		return err
	}
	target := filepath.Join(w.dir, it.Key)
	tmp, err := os.CreateTemp(w.dir, "."+it.Key+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", target, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", target, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", target, err)
	}
	return nil
}

// appendLine adds one line to a streamed item (a log file, a journal).
func (w *nodeRunWriter) appendLine(it layout.Item, line []byte) error {
	if err := w.claim(it.Collector, it.Key); err != nil {
		return err
	}
	f, ok := w.appending[it.Key]
	if !ok {
		var err error
		f, err = os.OpenFile(filepath.Join(w.dir, it.Key), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open %s: %w", filepath.Join(w.dir, it.Key), err)
		}
		w.appending[it.Key] = f
	}
	// A copy: the body may be pdata's own buffer, which is not ours to grow.
	buf := make([]byte, 0, len(line)+1)
	if _, err := f.Write(append(append(buf, line...), '\n')); err != nil {
		return fmt.Errorf("append to %s: %w", f.Name(), err)
	}
	return nil
}

// appendError adds "<collector>/<key>: <why>" to the node's errors item.
func (w *nodeRunWriter) appendError(it layout.Item, msg string) error {
	errItem := layout.Item{RunID: it.RunID, Node: it.Node, Collector: layout.ErrorsCollector, Key: layout.ErrorsItemKey}
	return w.appendLine(errItem, []byte(it.ZipEntry()+": "+msg))
}

// finish closes streamed items and writes the node zip, last, and hands
// the node run over for publishing.
func (w *nodeRunWriter) finish() (publish.Run, error) {
	var errs []error
	for key, f := range w.appending {
		if err := f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", f.Name(), err))
		}
		delete(w.appending, key)
	}
	if err := errors.Join(errs...); err != nil {
		return publish.Run{}, err
	}
	if _, err := w.writeZip(); err != nil {
		return publish.Run{}, err
	}
	items := make(map[string]string, len(w.collectorOf))
	for k, c := range w.collectorOf {
		items[k] = c
	}
	return publish.Run{Dir: w.dir, RunID: w.runID, Node: w.node, Items: items, Started: w.started, Finished: time.Now()}, nil
}

func (w *nodeRunWriter) writeZip() (string, error) {
	target := filepath.Join(w.dir, w.node+".zip")
	tmp, err := os.CreateTemp(w.dir, "."+w.node+".zip.tmp-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", target, err)
	}
	zerr := w.zipItems(tmp)
	cerr := tmp.Close()
	if err := errors.Join(zerr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write %s: %w", target, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write %s: %w", target, err)
	}
	return target, nil
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
	for _, key := range keys {
		it := layout.Item{RunID: w.runID, Node: w.node, Collector: w.collectorOf[key], Key: key}
		if err := addFile(zw, it.ZipEntry(), filepath.Join(w.dir, key)); err != nil {
			return err
		}
	}
	return zw.Close()
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
