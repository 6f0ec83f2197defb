// Package analyze runs the diagnoser's rules over a run after the fact: the
// records the receivers once sent are rebuilt from the items they wrote (a
// table of inputs, one per kind of item) and go through the diagnoser
// processor itself, so a finding offline is the finding the collector would
// make, from the same rule code.
//
// What the items do not keep, and what that costs:
//   - kube_objects' workload facts (pod phases, waiting reasons, node
//     conditions) are attributes beside the describe text: POD_* and NODE_*
//     are not judged offline (INSUFFICIENT_DATA), and KUBELET_MAX_PODS_EXCEEDS_POD_CIDR
//     cannot use a node's spec.podCIDRs.
//   - the process the kubelet's command line was read from (/proc/<pid>/cmdline):
//     KUBELET_RESOLV_CONF_STUB's "how the file was found" names kubeletcmd/kubeletcmd instead.
//   - each probe's time, phase and interval: rebuilt from the diagnoser's
//     networkoutbound windows and connectivity.json (OUTBOUND_*); a probe's
//     HTTP status is not kept, and Periscope's own errors are classed from
//     their words (Classify).
package analyze

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/findings"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runread"
	"github.com/periscope-otel/periscope/processor/diagnoserprocessor"
)

// The analysis' types and the findings a run recorded are
// internal/findings' (the exporter's report.html reads them without this
// package, which imports the diagnoser).
type (
	Finding = findings.Finding
	Node    = findings.Node
	Result  = findings.Result
	Group   = findings.Group
	Variant = findings.Variant
)

// Exit codes of analyze, by the worst finding (findings.Exit*).
const (
	ExitClean  = findings.ExitClean
	ExitFailed = findings.ExitFailed
	ExitWarn   = findings.ExitWarn
	ExitError  = findings.ExitError
)

// VariantKey is findings.VariantKey.
func VariantKey(f Finding, node string) string { return findings.VariantKey(f, node) }

// Recorded is findings.Recorded.
func Recorded(run *runread.Run) *Result { return findings.Recorded(run) }

// SortFindings is findings.Sort.
func SortFindings(fs []Finding) { findings.Sort(fs) }

// diagnoser is the diagnoser's collector name in the layout.
const diagnoser = "diagnoser"

// Run judges every node of run with the diagnoser processor.
func Run(ctx context.Context, run *runread.Run) (*Result, error) {
	res := &Result{RunID: run.ID, Where: run.Where, Problems: slices.Clone(run.Problems)}
	sink := &sink{}
	f := diagnoserprocessor.NewFactory()
	set := processor.Settings{
		ID:                component.NewIDWithName(f.Type(), "analyze"),
		TelemetrySettings: component.TelemetrySettings{Logger: zap.NewNop()},
	}
	p, err := f.CreateLogs(ctx, set, f.CreateDefaultConfig(), sink)
	if err != nil {
		return nil, fmt.Errorf("create the diagnoser: %w", err)
	}
	now := time.Now()
	byName := map[string]*Node{}
	for _, rn := range run.Nodes {
		node := &Node{Name: rn.Name, Problems: slices.Clone(rn.Problems), Documents: map[string][]byte{}}
		res.Nodes = append(res.Nodes, node)
		byName[rn.Name] = node
		node.Recorded = findings.RecordedSignals(rn)
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr(layout.AttrRunID, run.ID)
		rl.Resource().Attributes().PutStr(layout.AttrNodeName, rn.Name)
		sl := rl.ScopeLogs().AppendEmpty()
		ni := &nodeInputs{node: rn, now: now}
		for _, in := range inputs {
			if err := in.build(ni, sl); err != nil {
				ni.notes = append(ni.notes, err.Error())
			}
		}
		node.Notes = ni.notes
		if err := p.ConsumeLogs(ctx, ld); err != nil {
			return nil, fmt.Errorf("judge node %s: %w", rn.Name, err)
		}
	}
	// The run's end: what waits for it is judged, the summary written.
	if err := p.Shutdown(ctx); err != nil {
		return nil, fmt.Errorf("end the diagnoser's run: %w", err)
	}
	sink.each(func(node string, lr plog.LogRecord) {
		n := byName[node]
		if n == nil {
			return
		}
		attrs := lr.Attributes()
		if str(attrs, layout.AttrCollector) != diagnoser {
			return
		}
		if code := str(attrs, diagnoserprocessor.AttrCode); code != "" {
			n.Findings = append(n.Findings, findingOf(lr))
			return
		}
		if str(attrs, layout.AttrItemKind) == string(layout.KindDocument) {
			n.Documents[str(attrs, layout.AttrItemKey)] = []byte(lr.Body().AsString())
		}
	})
	for _, n := range res.Nodes {
		SortFindings(n.Findings)
		SortFindings(n.Recorded)
	}
	return res, nil
}

func findingOf(lr plog.LogRecord) Finding {
	attrs := lr.Attributes()
	f := Finding{
		Severity: lr.SeverityText(), Code: str(attrs, diagnoserprocessor.AttrCode), Summary: str(attrs, diagnoserprocessor.AttrSummary),
		Explanation: str(attrs, diagnoserprocessor.AttrExplanation), NextStep: str(attrs, diagnoserprocessor.AttrNextStep), Evidence: []string{},
	}
	if v, ok := attrs.Get(diagnoserprocessor.AttrEvidence); ok && v.Type() == pcommon.ValueTypeSlice {
		for i := 0; i < v.Slice().Len(); i++ {
			f.Evidence = append(f.Evidence, v.Slice().At(i).AsString())
		}
	}
	return f
}

func str(m pcommon.Map, k string) string {
	if v, ok := m.Get(k); ok {
		return v.AsString()
	}
	return ""
}

// sink keeps what the diagnoser passes on.
type sink struct {
	mu   sync.Mutex
	logs []plog.Logs
}

var _ consumer.Logs = (*sink)(nil)

func (s *sink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *sink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs = append(s.logs, ld)
	return nil
}

// each calls f for every record with its node.
func (s *sink) each(f func(node string, lr plog.LogRecord)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ld := range s.logs {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			node := str(rl.Resource().Attributes(), layout.AttrNodeName)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				lrs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					n := node
					if v := str(lrs.At(k).Attributes(), layout.AttrNodeName); v != "" {
						n = v
					}
					f(n, lrs.At(k))
				}
			}
		}
	}
}
