package diagnoserprocessor

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/processor/diagnoserprocessor/internal/metadata"
)

// Attributes of a signal record (RULES.md), read back by internal/analyze.
const (
	AttrCode        = "periscope.diagnostic.code"
	AttrSummary     = "periscope.diagnostic.summary"
	AttrExplanation = "periscope.diagnostic.explanation"
	AttrEvidence    = "periscope.diagnostic.evidence"
	AttrNextStep    = "periscope.diagnostic.next_step"
)

// output collects the diagnoser's records: one ResourceLogs per run and
// node, carrying the same run and node attributes as the data.
type output struct {
	logs  plog.Logs
	now   pcommon.Timestamp
	nowT  time.Time
	scope map[nodeRun]plog.ScopeLogs
}

func newOutput(now time.Time) *output {
	return &output{logs: plog.NewLogs(), now: pcommon.NewTimestampFromTime(now), nowT: now, scope: map[nodeRun]plog.ScopeLogs{}}
}

func (o *output) scopeFor(key nodeRun) plog.ScopeLogs {
	if sl, ok := o.scope[key]; ok {
		return sl
	}
	rl := o.logs.ResourceLogs().AppendEmpty()
	res := rl.Resource().Attributes()
	if key.runID != "" {
		res.PutStr(layout.AttrRunID, key.runID)
	}
	if key.node != "" {
		res.PutStr(layout.AttrNodeName, key.node)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	o.scope[key] = sl
	return sl
}

// signal appends one line of the node's diagnostics.log.
func (o *output) signal(key nodeRun, s Signal) {
	lr := o.scopeFor(key).LogRecords().AppendEmpty()
	lr.SetTimestamp(o.now)
	lr.SetObservedTimestamp(o.now)
	lr.SetSeverityNumber(s.Severity.number())
	lr.SetSeverityText(s.Severity.String())
	lr.Body().SetStr(s.line())
	attrs := lr.Attributes()
	attrs.PutStr(layout.AttrCollector, diagnoserCollector)
	attrs.PutStr(layout.AttrItemKey, diagnosticsLogKey)
	attrs.PutStr(layout.AttrItemKind, string(layout.KindLine))
	attrs.PutStr(AttrCode, s.Code)
	attrs.PutStr(AttrSummary, s.Summary)
	attrs.PutStr(AttrExplanation, s.Explanation)
	evidence := make([]string, len(s.Evidence))
	for i, e := range s.Evidence {
		evidence[i] = e.String()
	}
	layout.PutStrings(attrs, AttrEvidence, evidence)
	attrs.PutStr(AttrNextStep, s.NextStep)
}

// document appends a whole item of the diagnoser.
func (o *output) document(key nodeRun, itemKey string, body []byte) {
	layout.AppendDocument(o.scopeFor(key), diagnoserCollector, itemKey, body, o.nowT)
}
