// Package findings is what the diagnoser found in a run, as its
// collectors recorded it (each node's diagnostics.json) or as
// internal/analyze judges it again: the types, their order, and the table
// and JSON forms analyze prints. It does not import the diagnoser, so the
// exporter's report.html can read a run's findings.
package findings

import (
	"bufio"
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/periscope-otel/periscope/internal/runread"
)

// Finding is one signal of the diagnoser.
type Finding struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Summary     string   `json:"summary"`
	Explanation string   `json:"explanation,omitempty"`
	Evidence    []string `json:"evidence"`
	NextStep    string   `json:"nextStep"`
}

// Node is one node's analysis.
type Node struct {
	Name     string    `json:"node"`
	Findings []Finding `json:"findings"`
	// Recorded are the signals diagnostics.json holds: what the collector
	// found at collection time; nil when the run has no diagnostics.json.
	Recorded []Finding `json:"recorded,omitempty"`
	// Documents are the diagnoser's documents made again (networkconfig,
	// networkoutbound), by key.
	Documents map[string][]byte `json:"-"`
	// Notes say which inputs could not be rebuilt from the items.
	Notes []string `json:"notes,omitempty"`
	// Problems say what of the node could not be read.
	Problems []string `json:"problems,omitempty"`
}

// Result is a run's analysis.
type Result struct {
	RunID    string   `json:"runId"`
	Where    string   `json:"where"`
	Nodes    []*Node  `json:"nodes"`
	Problems []string `json:"problems,omitempty"`
}

// maxItemBytes bounds what is read of diagnostics.json.
const maxItemBytes = 16 << 20

// RecordedSignals reads the node's diagnostics.json signals; nil when the
// node has none or it cannot be read.
func RecordedSignals(n *runread.Node) []Finding {
	it := n.Item("diagnoser", "diagnostics.json")
	if it == nil {
		return nil
	}
	data, err := it.Read(maxItemBytes)
	if err != nil {
		return nil
	}
	var doc struct {
		Signals []Finding `json:"signals"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	if doc.Signals == nil {
		doc.Signals = []Finding{}
	}
	return doc.Signals
}

// Recorded is the run's analysis as its collectors wrote it: each node's
// diagnostics.json, without judging again (what the exporter's report.html
// shows).
func Recorded(run *runread.Run) *Result {
	res := &Result{RunID: run.ID, Where: run.Where, Problems: slices.Clone(run.Problems)}
	for _, rn := range run.Nodes {
		n := &Node{Name: rn.Name, Problems: slices.Clone(rn.Problems), Documents: map[string][]byte{}}
		n.Findings = RecordedSignals(rn)
		n.Recorded = n.Findings
		Sort(n.Findings)
		res.Nodes = append(res.Nodes, n)
	}
	return res
}

// severityRank orders severities, worst first.
func severityRank(s string) int {
	switch s {
	case "ERROR":
		return 0
	case "WARN":
		return 1
	}
	return 2
}

// Sort orders findings worst first, then by code and summary.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if d := severityRank(a.Severity) - severityRank(b.Severity); d != 0 {
			return d
		}
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		return strings.Compare(a.Summary, b.Summary)
	})
}

// CollectionError is one line of periscope-errors.log.
type CollectionError struct {
	Collector, Key, Message string
}

// ParseErrorsLog reads periscope-errors.log: one "<collector>/<key>: <why>"
// per line. Lines of another shape are kept whole as Message.
func ParseErrorsLog(data []byte) []CollectionError {
	var out []CollectionError
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		head, msg, ok := strings.Cut(line, ": ")
		collector, key, ok2 := strings.Cut(head, "/")
		if !ok || !ok2 || collector == "" || key == "" || strings.ContainsAny(key, "/ ") || strings.Contains(collector, " ") {
			out = append(out, CollectionError{Message: line})
			continue
		}
		out = append(out, CollectionError{Collector: collector, Key: key, Message: msg})
	}
	return out
}
