package periscopeexporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// layoutExporter places every record in its run's tree and closes each
// node's run with its zip when the run's collections are done (and again at
// shutdown if records arrived since).
type layoutExporter struct {
	dir     string
	logger  *zap.Logger
	tracker *runcontrol.Tracker
	run     runcontrol.Run // nil without the periscope_run extension
	stop    chan struct{}
	watcher sync.WaitGroup

	mu    sync.Mutex
	runs  map[nodeRun]*nodeRunWriter
	order []nodeRun // first-seen order, for a stable closing summary
}

type nodeRun struct{ runID, node string }

func newLayoutExporter(cfg *Config, logger *zap.Logger, tracker *runcontrol.Tracker) *layoutExporter {
	return &layoutExporter{
		dir:     cfg.Local.Directory,
		logger:  logger,
		tracker: tracker,
		stop:    make(chan struct{}),
		runs:    map[nodeRun]*nodeRunWriter{},
	}
}

// start refuses an output directory that cannot be written, naming it, and
// waits for the run's collections to finish to close the node runs.
func (e *layoutExporter) start(_ context.Context, host component.Host) error {
	if err := e.checkDirectory(); err != nil {
		return err
	}
	e.run = runcontrol.FindRun(host)
	finished := e.tracker.Finished()
	e.watcher.Add(1)
	go func() {
		defer e.watcher.Done()
		select {
		case <-finished:
			e.mu.Lock()
			defer e.mu.Unlock()
			e.finishAll()
		case <-e.stop:
		}
	}()
	return nil
}

func (e *layoutExporter) checkDirectory() error {
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return fmt.Errorf("output directory %q cannot be created: %w", e.dir, err)
	}
	probe, err := os.CreateTemp(e.dir, ".periscope-write-check-*")
	if err != nil {
		return fmt.Errorf("output directory %q is not writable: %w", e.dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// consumeLogs writes what it can and reports, once per distinct cause, what
// it could not; one bad record never keeps the others out.
func (e *layoutExporter) consumeLogs(_ context.Context, ld plog.Logs) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	failed := map[string]int{}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := rl.Resource().Attributes()
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				if err := e.write(res, lrs.At(k)); err != nil {
					failed[err.Error()]++
				}
			}
		}
	}
	for _, w := range e.runs {
		if err := w.flush(); err != nil {
			failed[err.Error()]++
		}
	}
	if len(failed) == 0 {
		return nil
	}
	err := summarize(failed)
	e.tracker.ReportDeliveryFailure(err)
	e.logger.Error("Records not written", zap.Error(err))
	return consumererror.NewPermanent(err)
}

func (e *layoutExporter) write(res pcommon.Map, lr plog.LogRecord) error {
	item, kind, err := itemOf(res, lr.Attributes())
	if err != nil {
		return err
	}
	w, err := e.writerFor(item.RunID, item.Node)
	if err != nil {
		return err
	}
	switch kind {
	case layout.KindDocument:
		return w.writeDocument(item, bodyBytes(lr.Body()))
	case layout.KindError:
		return w.appendError(item, lr.Body().AsString())
	default:
		line := bodyBytes(lr.Body())
		if err := w.appendLine(item, line); err != nil {
			return err
		}
		e.reportStreamProgress(lr.Attributes(), len(line))
		return nil
	}
}

// reportStreamProgress tells the tracker how far filelog has delivered a
// file, so a one-shot run ends when the node logs are whole.
func (e *layoutExporter) reportStreamProgress(attrs pcommon.Map, lineLen int) {
	path, ok := attrs.Get(layout.AttrFilePath)
	if !ok {
		return
	}
	offset, ok := attrs.Get(layout.AttrFileRecordOffset)
	if !ok || offset.Type() != pcommon.ValueTypeInt {
		return
	}
	e.tracker.StreamProgress(path.AsString(), offset.Int()+int64(lineLen)+1)
}

func (e *layoutExporter) writerFor(runID, node string) (*nodeRunWriter, error) {
	key := nodeRun{runID, node}
	if w, ok := e.runs[key]; ok {
		return w, nil
	}
	w, err := newNodeRunWriter(filepath.Join(e.dir, filepath.FromSlash(layout.NodeDir(runID, node))), runID, node)
	if err != nil {
		return nil, err
	}
	e.runs[key] = w
	e.order = append(e.order, key)
	return w, nil
}

// shutdown completes every node run written since it was last completed.
func (e *layoutExporter) shutdown(context.Context) error {
	close(e.stop)
	e.watcher.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.finishAll()
}

// finishAll writes the zip of every node run with new records, zip last, so
// a zip's presence means the node's run is whole (what VS Code waits for).
// The caller holds e.mu.
func (e *layoutExporter) finishAll() error {
	var errs []error
	for _, key := range e.order {
		w := e.runs[key]
		if !w.dirty {
			continue
		}
		zipPath, err := w.finish()
		if err != nil {
			err = fmt.Errorf("run %s node %s: %w", key.runID, key.node, err)
			e.tracker.ReportDeliveryFailure(err)
			errs = append(errs, err)
			continue
		}
		e.logger.Info("Periscope run written",
			zap.String("run_id", key.runID), zap.String("node", key.node),
			zap.String("directory", w.dir), zap.String("zip", zipPath), zap.Int("items", w.itemCount()))
		if !w.reported {
			w.reported = true
			e.tracker.ReportOutput(fmt.Sprintf("%s (%d items, zip %s)", w.dir, w.itemCount(), zipPath))
		}
		e.markCompleted(key.runID)
	}
	return errors.Join(errs...)
}

// markCompleted tells the periscope_run extension this node delivered the
// current run, so a restart does not repeat it. A run with delivery
// failures is not marked: repeating it is better than losing it.
func (e *layoutExporter) markCompleted(runID string) {
	if e.run == nil || runID != e.run.ID() || e.tracker.DeliveryFailures() != nil {
		return
	}
	if err := e.run.MarkCompleted(runID); err != nil {
		e.logger.Error("Run delivered but not recorded as completed; a restart will collect it again", zap.Error(err))
	}
}

// itemOf finds a record's place: run and node from the record or, as set by
// the pipeline's resource processor, its resource; collector and key from
// the record, the key of a filelog line from its file's path.
func itemOf(res, attrs pcommon.Map) (layout.Item, layout.Kind, error) {
	get := func(name string) string {
		if v, ok := attrs.Get(name); ok {
			return v.AsString()
		}
		if v, ok := res.Get(name); ok {
			return v.AsString()
		}
		return ""
	}
	item := layout.Item{
		RunID:     get(layout.AttrRunID),
		Node:      get(layout.AttrNodeName),
		Collector: get(layout.AttrCollector),
		Key:       get(layout.AttrItemKey),
	}
	if file := get(layout.AttrFilePath); item.Key == "" && file != "" {
		// A line from filelog: its key follows from the node path.
		item.Key = layout.ItemKeyFromPath(file, get(layout.AttrRootPath))
	}
	if err := item.Validate(); err != nil {
		return item, "", fmt.Errorf("record cannot be placed in the layout: %w", err)
	}
	kind, err := layout.ParseKind(get(layout.AttrItemKind))
	return item, kind, err
}

func bodyBytes(v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return []byte(v.Str())
	case pcommon.ValueTypeBytes:
		return v.Bytes().AsRaw()
	case pcommon.ValueTypeEmpty:
		return nil
	default:
		return []byte(v.AsString())
	}
}

// summarize turns counted causes into one error, most frequent first.
func summarize(failed map[string]int) error {
	msgs := make([]string, 0, len(failed))
	for m := range failed {
		msgs = append(msgs, m)
	}
	sort.Slice(msgs, func(i, j int) bool {
		if failed[msgs[i]] != failed[msgs[j]] {
			return failed[msgs[i]] > failed[msgs[j]]
		}
		return msgs[i] < msgs[j]
	})
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		errs[i] = fmt.Errorf("%s (%d records)", m, failed[m])
	}
	return errors.Join(errs...)
}
