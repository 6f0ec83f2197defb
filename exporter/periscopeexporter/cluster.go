package periscopeexporter

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
)

// Cluster-scoped records (periscope.scope=cluster: one collector of the
// cluster collected them for the run) are stored once per run, under
// <run-id>/cluster/<item-key>, and also zipped into the node zip of the
// collector that collected them, for consumers that read only node zips.
// They are delivered before ConsumeLogs returns (written, and uploaded with
// azure_blob), so a receiver's successful delivery means the items reached
// their destination: the collector then records the run's part as done on
// the cluster lease, and no other collector repeats it. Their error records
// stay with the collecting node (periscope-errors.log, status.json).

// clusterPart is a run's cluster folder in this process.
type clusterPart struct {
	w       *nodeRunWriter  // writes <dir>/<run-id>/cluster; never zipped itself
	touched map[string]bool // keys written since the last upload
}

func isCluster(res, attrs pcommon.Map) bool {
	for _, m := range []pcommon.Map{attrs, res} {
		if v, ok := m.Get(layout.AttrScope); ok {
			return v.AsString() == layout.ScopeCluster
		}
	}
	return false
}

// writeCluster stores a cluster item and adds it to the collecting node's
// zip. The caller holds e.mu.
func (e *layoutExporter) writeCluster(item layout.Item, kind layout.Kind, lr plog.LogRecord) error {
	part, err := e.clusterPartFor(item.RunID)
	if err != nil {
		return err
	}
	switch kind {
	case layout.KindDocument:
		err = part.w.writeDocument(item, bodyBytes(lr.Body()))
	default:
		err = part.w.appendLine(item, bodyBytes(lr.Body()))
	}
	if err != nil {
		return err
	}
	part.touched[item.Key] = true
	node, err := e.writerFor(item.RunID, item.Node)
	if err != nil {
		return err
	}
	if node.clusterEntries == nil {
		node.clusterEntries = map[string]string{}
	}
	node.clusterEntries[item.ZipEntry()] = filepath.Join(part.w.dir, item.Key)
	node.dirty = true
	return nil
}

func (e *layoutExporter) clusterPartFor(runID string) (*clusterPart, error) {
	if part, ok := e.cluster[runID]; ok {
		return part, nil
	}
	dir := filepath.Join(e.dir, filepath.FromSlash(layout.ClusterDir(runID)))
	w, err := newNodeRunWriter(dir, runID, layout.ClusterFolder)
	if err != nil {
		return nil, err
	}
	if e.cluster == nil {
		e.cluster = map[string]*clusterPart{}
	}
	part := &clusterPart{w: w, touched: map[string]bool{}}
	e.cluster[runID] = part
	return part, nil
}

// publishCluster makes the cluster items written by this batch durable at
// the destination: flushed locally, uploaded with azure_blob. Uploads are
// not bound by the batch timeout (the SDK's retry policy bounds them), as
// node runs' are not. The caller holds e.mu.
func (e *layoutExporter) publishCluster(ctx context.Context) error {
	for runID, part := range e.cluster {
		if len(part.touched) == 0 {
			continue
		}
		if err := part.w.closeAppending(); err != nil {
			return err
		}
		keys := make([]string, 0, len(part.touched))
		for k := range part.touched {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if err := e.publisher.UploadItems(context.WithoutCancel(ctx), part.w.dir, layout.ClusterDir(runID), keys); err != nil {
			err = fmt.Errorf("run %s cluster items not delivered: %w", runID, err)
			e.tracker.ReportDeliveryFailure(err)
			return err
		}
		clear(part.touched)
	}
	return nil
}

// closeAppending flushes and closes streamed items: the cluster part has
// no finish step, and a later line reopens its file for appending.
func (w *nodeRunWriter) closeAppending() error {
	errs := []error{w.flush()}
	for key, af := range w.appending {
		if err := af.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", af.f.Name(), err))
		}
		delete(w.appending, key)
	}
	return errors.Join(errs...)
}

// zipClusterItems adds the cluster items this node collected to its zip,
// as <collector>/<item-key> like its own items, in name order. An entry
// the node also holds as its own item (collected on the node after the
// cluster part failed) is not added twice.
func (w *nodeRunWriter) zipClusterItems(zw *zip.Writer) error {
	entries := w.zippedClusterEntries()
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := addFile(zw, name, entries[name]); err != nil {
			return err
		}
	}
	return nil
}

// zippedClusterEntries are the cluster items that go into this node's zip
// (and its status.json): zip entry → file.
func (w *nodeRunWriter) zippedClusterEntries() map[string]string {
	own := make(map[string]bool, len(w.collectorOf))
	for key, collector := range w.collectorOf {
		own[layout.Item{Collector: collector, Key: key}.ZipEntry()] = true
	}
	entries := make(map[string]string, len(w.clusterEntries))
	for name, file := range w.clusterEntries {
		if !own[name] {
			entries[name] = file
		}
	}
	return entries
}
