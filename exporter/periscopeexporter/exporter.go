package periscopeexporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// layoutExporter places every record in its run's tree in the local
// directory, closes each node's run with its zip when the run's collections
// are done (and again at shutdown if records arrived since), and hands it
// to the publisher (status.json locally; with azure_blob the upload of the
// whole node run).
type layoutExporter struct {
	dir             string
	retainRuns      int           // local.retain_runs (retention.go)
	publishInterval time.Duration // publish_interval: 0 = at the run's end and shutdown only
	logger          *zap.Logger
	tracker         *runcontrol.Tracker
	publisher       *publish.Publisher
	run             runcontrol.Run // nil without the periscope_run extension
	stop            chan struct{}
	watcher         sync.WaitGroup
	diag            *diagnosticObjects // nil when not in a cluster

	mu      sync.Mutex
	runs    map[nodeRun]*nodeRunWriter
	cluster map[string]*clusterPart // by run ID: items stored once per run (cluster.go)
	order   []nodeRun               // first-seen order, for a stable closing summary

	// Node runs left pending by an earlier process, published again in the
	// background from start; a writer for the same node run waits for it.
	republishing  map[nodeRun]chan struct{}
	republishDone chan struct{}
	stopRepublish context.CancelFunc
}

type nodeRun struct{ runID, node string }

func newLayoutExporter(cfg *Config, logger *zap.Logger, tracker *runcontrol.Tracker) (*layoutExporter, error) {
	var store publish.Store
	if cfg.AzureBlob.HasValue() {
		s, err := publish.NewAzureStore(cfg.AzureBlob.Get())
		if err != nil {
			return nil, err
		}
		store = s
	}
	e := &layoutExporter{
		dir:             cfg.Local.Directory,
		retainRuns:      cfg.Local.RetainRuns,
		publishInterval: cfg.PublishInterval,
		logger:          logger,
		tracker:         tracker,
		publisher:       publish.New(store),
		stop:            make(chan struct{}),
		runs:            map[nodeRun]*nodeRunWriter{},
		republishing:    map[nodeRun]chan struct{}{},
	}
	if e.diag = newDiagnosticObjects(cfg.DiagnosticObject, logger); e.diag != nil {
		e.publisher.OnRecord(e.diag.record)
	}
	return e, nil
}

// start refuses an output directory that cannot be written, naming it,
// publishes again what an earlier process left pending in it, and waits for
// the run's collections to finish to close the node runs.
func (e *layoutExporter) start(_ context.Context, host component.Host) error {
	if err := e.checkDirectory(); err != nil {
		return err
	}
	pending, err := e.publisher.Pending(e.dir)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		e.republish(pending)
	}
	e.run = runcontrol.FindRun(host)
	finished := e.tracker.Finished()
	e.watcher.Add(1)
	go func() {
		defer e.watcher.Done()
		select {
		case <-finished:
		case <-e.stop:
			return
		}
		e.publishChanged(false) // failures are reported to the tracker
		if e.publishInterval > 0 {
			e.publishPeriodically()
		}
	}()
	return nil
}

// publishPeriodically publishes again, every publish_interval until
// shutdown, each node run that changed or whose delivery failed: a
// DaemonSet's probes (the networkoutbound windows) and tailed logs reach
// the destination and the Diagnostic object without waiting for the next
// run ID.
func (e *layoutExporter) publishPeriodically() {
	ticker := time.NewTicker(e.publishInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			if e.updatesExpired() {
				return
			}
			e.publishChanged(true)
		case <-e.stop:
			return
		}
	}
}

// publishChanged runs finishAll under the lock; retryFailed also publishes
// node runs whose last delivery failed although nothing changed since.
func (e *layoutExporter) publishChanged(retryFailed bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_ = e.finishAll(context.Background(), retryFailed)
}

// updatesExpired reports, and logs, that periodic updates must stop because
// the credential expired (a SAS outlives the first upload by minutes when
// VS Code made it): trying would turn a delivered run's status into a
// failure at every tick. What the run gathers stays in the spool, and the
// next run ID brings a new credential that also delivers it.
func (e *layoutExporter) updatesExpired() bool {
	why := e.publisher.Expired()
	if why == "" {
		return false
	}
	e.logger.Warn("Periodic updates stopped: "+why+"; the runs stay as last delivered, later records only in the spool",
		zap.String("spool", e.dir))
	return true
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
	if err := os.Remove(probe.Name()); err != nil {
		return fmt.Errorf("output directory %q: %w", e.dir, err)
	}
	return nil
}

// republish delivers pending node runs in the background: collection need
// not wait for a slow or unreachable destination.
func (e *layoutExporter) republish(dirs []string) {
	keys := make([]nodeRun, len(dirs))
	for i, d := range dirs {
		keys[i] = nodeRun{runID: filepath.Base(filepath.Dir(d)), node: filepath.Base(d)}
		e.republishing[keys[i]] = make(chan struct{})
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.stopRepublish = cancel
	e.republishDone = make(chan struct{})
	go func() {
		defer close(e.republishDone)
		for i, d := range dirs {
			e.logger.Info("Publishing a node run left pending by an earlier run",
				zap.String("run_id", keys[i].runID), zap.String("node", keys[i].node), zap.String("spool", d))
			st, err := e.publisher.Republish(ctx, d)
			_, _ = e.report(keys[i], d, st, err, false)
			close(e.republishing[keys[i]])
		}
	}()
}

// consumeLogs writes what it can and reports, once per distinct cause, what
// it could not; one bad record never keeps the others out.
func (e *layoutExporter) consumeLogs(ctx context.Context, ld plog.Logs) error {
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
	if err := e.publishCluster(ctx); err != nil {
		failed[err.Error()]++
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
	item, kind, err := itemOf(res, lr.Attributes(), e.followed)
	if err != nil {
		return err
	}
	if kind != layout.KindError && isCluster(res, lr.Attributes()) {
		return e.writeCluster(item, kind, lr)
	}
	w, err := e.writerFor(item.RunID, item.Node)
	if err != nil {
		return err
	}
	switch kind {
	case layout.KindDocument:
		return w.writeDocument(item, bodyBytes(lr.Body()))
	case layout.KindFile:
		return e.copyFile(w, item, lr.Attributes())
	case layout.KindError:
		if layout.IsIncomplete(lr.Attributes()) {
			e.incomplete(w, item, lr.Body().AsString())
		}
		return w.appendError(item, lr.Body().AsString())
	default:
		return w.appendLine(item, bodyBytes(lr.Body()))
	}
}

// copyFile copies a node file into its item. A copy that fell short (the
// file shrank, was replaced, could not be opened) keeps what it could,
// names the file in periscope-errors.log and makes the run incomplete.
func (e *layoutExporter) copyFile(w *nodeRunWriter, item layout.Item, attrs pcommon.Map) error {
	snap, err := layout.FileOf(attrs)
	if err != nil {
		return err
	}
	source := snap.Path
	if v, ok := attrs.Get(layout.AttrSourcePath); ok {
		source = v.Str()
	}
	follow := ""
	if v, ok := attrs.Get(layout.AttrFilePath); ok {
		follow = v.Str()
	}
	err = w.copyFile(item, snap, follow)
	if err == nil {
		return nil
	}
	msg := source + ": " + err.Error()
	e.incomplete(w, item, msg)
	return w.appendError(item, msg)
}

// incomplete records an item the run did not collect whole, in the node
// run's record and for the one-shot exit code.
func (e *layoutExporter) incomplete(w *nodeRunWriter, item layout.Item, msg string) {
	w.markIncomplete(item.ZipEntry() + ": " + msg)
	e.tracker.ReportIncomplete(fmt.Errorf("run %s node %s: %s: %s", item.RunID, item.Node, item.ZipEntry(), msg))
}

// followed finds the item a tailed file's lines belong to: the one a
// file copy of this node run declared for that path.
func (e *layoutExporter) followed(runID, node, filePath string) (string, bool) {
	w, ok := e.runs[nodeRun{runID, node}]
	if !ok {
		return "", false
	}
	return w.followed(filePath)
}

func (e *layoutExporter) writerFor(runID, node string) (*nodeRunWriter, error) {
	key := nodeRun{runID, node}
	if w, ok := e.runs[key]; ok {
		return w, nil
	}
	if done, ok := e.republishing[key]; ok {
		<-done // the earlier process's upload of this folder comes first
	}
	w, err := newNodeRunWriter(filepath.Join(e.dir, filepath.FromSlash(layout.NodeDir(runID, node))), runID, node)
	if err != nil {
		return nil, err
	}
	e.runs[key] = w
	e.order = append(e.order, key)
	e.diag.collecting(runID, node, w.started)
	return w, nil
}

// shutdown completes every node run written since it was last completed.
func (e *layoutExporter) shutdown(ctx context.Context) error {
	close(e.stop)
	e.watcher.Wait()
	if e.republishDone != nil {
		select {
		case <-e.republishDone:
		case <-ctx.Done():
			e.stopRepublish()
			<-e.republishDone
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	defer e.diag.wait()
	return e.finishAll(ctx, false)
}

// finishAll writes the zip of every node run with new records, zip last, so
// a zip's presence means the node's run is whole (what VS Code waits for),
// and publishes it; retryFailed also publishes again a node run already
// published whose delivery failed. The caller holds e.mu.
func (e *layoutExporter) finishAll(ctx context.Context, retryFailed bool) error {
	var errs []error
	for _, key := range e.order {
		w := e.runs[key]
		if !w.dirty && !(retryFailed && w.published && !w.delivered) {
			continue
		}
		again := w.published
		run, err := w.finish()
		if err != nil {
			err = fmt.Errorf("run %s node %s: %w", key.runID, key.node, err)
			e.tracker.ReportDeliveryFailure(err)
			e.logger.Error("Periscope run not written", zap.Error(err))
			errs = append(errs, err)
			continue
		}
		w.published = true
		st, err := e.publisher.Publish(ctx, run)
		summary, err := e.report(key, w.dir, st, err, again)
		w.delivered = err == nil
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.writeReport(ctx, key.runID)
		if !w.reported {
			w.reported = true
			e.tracker.ReportOutput(summary + findingsLines(w.dir, st.Diagnoses))
			e.markCompleted(key.runID)
			// Older runs become removable when a run is first delivered;
			// its periodic updates change nothing for retention.
			e.pruneSpool(key.runID)
		}
	}
	return errors.Join(errs...)
}

// report logs a publishing outcome and tells the tracker: a node run that
// did not reach its destination is a delivery failure, never "done". It
// returns the one-line summary of a delivered run. again says the node run
// was published before: its log line says "updated".
func (e *layoutExporter) report(key nodeRun, dir string, st *publish.Status, err error, again bool) (string, error) {
	where := e.publisher.Where(dir, key.runID, key.node)
	if err != nil {
		err = fmt.Errorf("run %s node %s not delivered to %s: %w", key.runID, key.node, where, err)
		e.tracker.ReportDeliveryFailure(err)
		e.logger.Error("Periscope run not delivered", zap.Error(err),
			zap.String("status", filepath.Join(dir, layout.StatusKey)))
		return "", err
	}
	zipName := key.node + ".zip"
	if where == dir {
		zipName = filepath.Join(dir, zipName)
	} else {
		zipName = where + "/" + zipName
	}
	msg := "Periscope run written"
	if again {
		msg = "Periscope run updated"
	}
	e.logger.Info(msg,
		zap.String("run_id", key.runID), zap.String("node", key.node),
		zap.String("destination", where), zap.String("zip", zipName),
		zap.Int("items", len(st.Items)), zap.Int64("bytes", st.TotalBytes))
	if !st.Complete {
		return fmt.Sprintf("%s (%d items, INCOMPLETE: %d not collected whole, see %s; zip %s)",
			where, len(st.Items), countStage(st, publish.StageIncomplete), layout.ErrorsItemKey, zipName), nil
	}
	return fmt.Sprintf("%s (%d items, zip %s)", where, len(st.Items), zipName), nil
}

func countStage(st *publish.Status, stage string) int {
	n := 0
	for _, e := range st.Errors {
		if e.Stage == stage {
			n++
		}
	}
	return n
}

// maxFindingLines bounds the findings shown under a node run's summary;
// diagnostics.log has them all.
const maxFindingLines = 10

// findingsLines are the lines the one-shot run prints under a node run's
// summary: what the diagnoser found that needs attention, errors first, so
// the answer is on the terminal, not three folders down. d is what
// status.json read of diagnostics.json (nil without the diagnoser, or when
// it was unreadable: status.json says so).
func findingsLines(dir string, d *publish.Diagnoses) string {
	if d == nil || len(d.Findings) == 0 {
		return ""
	}
	findings := d.Findings
	var b strings.Builder
	for i, f := range findings {
		if i == maxFindingLines {
			fmt.Fprintf(&b, "\n  … and %d more", len(findings)-maxFindingLines)
			break
		}
		fmt.Fprintf(&b, "\n  %-5s %s: %s", f.Severity, f.Code, f.Summary)
	}
	fmt.Fprintf(&b, "\n  (evidence and next steps: %s)", filepath.Join(dir, "diagnostics.log"))
	return b.String()
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
// the record; the key of a filelog line from the file copy that declared
// its path (followed), else from the path itself.
func itemOf(res, attrs pcommon.Map, followed func(runID, node, filePath string) (string, bool)) (layout.Item, layout.Kind, error) {
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
		// A line from filelog: the item its file was copied into, else the
		// key that follows from the node path.
		if k, ok := followed(item.RunID, item.Node, file); ok {
			item.Key = k
		} else {
			item.Key = layout.ItemKeyFromPath(file, get(layout.AttrRootPath))
		}
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
