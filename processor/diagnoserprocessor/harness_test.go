package diagnoserprocessor

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/processor/diagnoserprocessor/internal/metadata"
)

const (
	testRunID = "2026-11-28T23-53-30Z"
	testNode  = "aks-nodepool1-12345678-vmss000000"
)

// fixedNow keeps timestamps out of the comparisons' way.
var fixedNow = time.Date(2026, 11, 28, 23, 53, 30, 0, time.UTC)

// run is one diagnoser on its own tracker, as the collector wires it: the
// processor is created first, then a receiver collection is expected.
type run struct {
	t          *testing.T
	d          *diagnoser
	sink       *consumertest.LogsSink
	tracker    *runcontrol.Tracker
	collection *runcontrol.Collection
}

func startRun(t *testing.T, cfg *Config) *run {
	t.Helper()
	tracker := runcontrol.NewTracker()
	sink := new(consumertest.LogsSink)
	d := newDiagnoser(cfg, processortest.NewNopSettings(metadata.Type), sink, tracker)
	d.now = func() time.Time { return fixedNow }
	r := &run{t: t, d: d, sink: sink, tracker: tracker, collection: tracker.Expect(component.MustNewID("receiver"))}
	require.NoError(t, d.Start(context.Background(), nil))
	t.Cleanup(func() { _ = d.Shutdown(context.Background()) })
	return r
}

func (r *run) consume(ld plog.Logs) {
	r.t.Helper()
	require.NoError(r.t, r.d.ConsumeLogs(context.Background(), ld))
}

// end marks the collections done and waits until the diagnoser delivered
// its end-of-run output and released the round.
func (r *run) end() {
	r.t.Helper()
	r.collection.Done()
	select {
	case <-r.tracker.Finished():
	case <-time.After(10 * time.Second):
		r.t.Fatalf("the run did not finish; pending: %v", r.tracker.Pending())
	}
}

// outRecord is one record the diagnoser emitted, for comparisons.
type outRecord struct {
	Run         string   `json:"run,omitempty"`
	Node        string   `json:"node,omitempty"`
	Key         string   `json:"key"`
	Kind        string   `json:"kind"`
	Severity    string   `json:"severity,omitempty"`
	Code        string   `json:"code,omitempty"`
	Body        string   `json:"body,omitempty"`
	Summary     string   `json:"summary,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
	Evidence    []string `json:"evidence,omitempty"`
	NextStep    string   `json:"next_step,omitempty"`
	Document    any      `json:"document,omitempty"`
}

// emitted returns the diagnoser's own records, in order.
func (r *run) emitted() []outRecord {
	var out []outRecord
	for _, ld := range r.sink.AllLogs() {
		forEachRecord(ld, func(res pcommon.Map, lr plog.LogRecord) {
			attrs := lr.Attributes()
			if str(attrs, layout.AttrCollector) != diagnoserCollector {
				return
			}
			o := outRecord{
				Run: str(res, layout.AttrRunID), Node: str(res, layout.AttrNodeName),
				Key: str(attrs, layout.AttrItemKey), Kind: str(attrs, layout.AttrItemKind),
			}
			if o.Kind == string(layout.KindDocument) {
				var doc any
				if err := json.Unmarshal([]byte(lr.Body().Str()), &doc); err != nil {
					r.t.Fatalf("document %s is not JSON: %v", o.Key, err)
				}
				o.Document = doc
			} else {
				o.Severity, o.Body = lr.SeverityText(), lr.Body().Str()
				o.Code, o.Summary = str(attrs, AttrCode), str(attrs, AttrSummary)
				o.Explanation, o.NextStep = str(attrs, AttrExplanation), str(attrs, AttrNextStep)
				if v, ok := attrs.Get(AttrEvidence); ok {
					for _, e := range v.Slice().AsRaw() {
						o.Evidence = append(o.Evidence, e.(string))
					}
				}
			}
			out = append(out, o)
		})
	}
	return out
}

// codes lists the signal codes emitted, in order.
func (r *run) codes() []string {
	var codes []string
	for _, o := range r.emitted() {
		if o.Code != "" {
			codes = append(codes, o.Code)
		}
	}
	return codes
}

func (r *run) signal(code string) *outRecord {
	for _, o := range r.emitted() {
		if o.Code == code {
			return &o
		}
	}
	return nil
}

func (r *run) document(key string) map[string]any {
	for _, o := range r.emitted() {
		if o.Key == key && o.Kind == string(layout.KindDocument) {
			return o.Document.(map[string]any)
		}
	}
	return nil
}

func forEachRecord(ld plog.Logs, f func(res pcommon.Map, lr plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			lrs := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(rl.Resource().Attributes(), lrs.At(k))
			}
		}
	}
}

func str(m pcommon.Map, name string) string {
	if v, ok := m.Get(name); ok {
		return v.AsString()
	}
	return ""
}

// batch builds one ResourceLogs of a run and node holding items.
type batch struct {
	ld plog.Logs
	sl plog.ScopeLogs
}

func newBatch(runID, node string) *batch {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	if runID != "" {
		rl.Resource().Attributes().PutStr(layout.AttrRunID, runID)
	}
	if node != "" {
		rl.Resource().Attributes().PutStr(layout.AttrNodeName, node)
	}
	return &batch{ld: ld, sl: rl.ScopeLogs().AppendEmpty()}
}

func (b *batch) doc(it Item, body string) plog.LogRecord {
	return layout.AppendDocument(b.sl, it.Collector, it.Key, []byte(body), fixedNow)
}

func (b *batch) errorItem(it Item, why string) plog.LogRecord {
	return layout.AppendError(b.sl, it.Collector, it.Key, errorString(why), fixedNow)
}

type errorString string

func (e errorString) Error() string { return string(e) }
