package collectorcmd

import (
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/periscope-otel/periscope/internal/redact"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// The exporter helper's words when it gives data up: after its retries, or
// when the data is refused outright. Retries along the way are not failures.
var dropMessages = []string{"Exporting failed. Dropping data.", "Exporting failed. Rejecting data."}

// watchDrops makes the collector's log tell the tracker when any exporter
// (OTLP, Azure Monitor, contrib azure_blob…) gave data up, so a one-shot
// run exits non-zero instead of calling a lossy run done. The periscope
// exporter reports its own failures, with more detail, and is skipped.
func watchDrops(tracker *runcontrol.Tracker) zap.Option {
	return zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return &dropWatcher{Core: c, tracker: tracker}
	})
}

type dropWatcher struct {
	zapcore.Core
	fields  []zapcore.Field // the component's fields (otelcol.component.id)
	tracker *runcontrol.Tracker
}

func (w *dropWatcher) With(fields []zapcore.Field) zapcore.Core {
	return &dropWatcher{Core: w.Core.With(fields), fields: append(slices.Clone(w.fields), fields...), tracker: w.tracker}
}

func (w *dropWatcher) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	for _, m := range dropMessages {
		if strings.HasPrefix(e.Message, m) {
			ce = ce.AddCore(e, &dropRecorder{fields: w.fields, tracker: w.tracker})
			break
		}
	}
	return w.Core.Check(e, ce)
}

// dropRecorder writes nothing: it turns one drop entry into a delivery
// failure. The exporter's error may carry a request URL with a SAS token;
// it is redacted by the project's policy (internal/redact): the signature
// goes, the expiry and permissions stay, since "the token expired" is the
// usual reason.
type dropRecorder struct {
	fields  []zapcore.Field
	tracker *runcontrol.Tracker
}

func (r *dropRecorder) Enabled(zapcore.Level) bool        { return true }
func (r *dropRecorder) With([]zapcore.Field) zapcore.Core { return r }
func (r *dropRecorder) Sync() error                       { return nil }
func (r *dropRecorder) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, r)
}

func (r *dropRecorder) Write(e zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range append(slices.Clone(r.fields), fields...) {
		f.AddTo(enc)
	}
	id := fmt.Sprint(enc.Fields["otelcol.component.id"])
	if id == "periscope" || strings.HasPrefix(id, "periscope/") {
		return nil
	}
	count := enc.Fields["dropped_items"]
	if count == nil {
		count = enc.Fields["rejected_items"]
	}
	r.tracker.ReportDeliveryFailure(fmt.Errorf("exporter %s gave up %v records: %v", id, count, redact.Text(fmt.Sprint(enc.Fields["error"]))))
	return nil
}
