package diagnoserprocessor

import (
	"encoding/json"
	"slices"
)

// summaryDoc is diagnostics.json: a node run's signals at a glance.
type summaryDoc struct {
	RunID string `json:"runId"`
	Node  string `json:"node"`
	// Counts by severity; every severity is present.
	Counts map[string]int `json:"counts"`
	// Codes reported, sorted, each once.
	Codes []string `json:"codes"`
	// EvidenceKeys are the items the signals point at (collector/key), sorted.
	EvidenceKeys []string        `json:"evidenceKeys"`
	Signals      []summarySignal `json:"signals"`
}

type summarySignal struct {
	Severity string   `json:"severity"`
	Code     string   `json:"code"`
	Summary  string   `json:"summary"`
	Evidence []string `json:"evidence"`
	NextStep string   `json:"nextStep"`
}

func summaryOf(st *runState) []byte {
	doc := summaryDoc{
		RunID:        st.key.runID,
		Node:         st.key.node,
		Counts:       map[string]int{SeverityInfo.String(): 0, SeverityWarn.String(): 0, SeverityError.String(): 0},
		Codes:        []string{},
		EvidenceKeys: []string{},
		Signals:      []summarySignal{},
	}
	for _, s := range st.signals {
		doc.Counts[s.Severity.String()]++
		doc.Codes = append(doc.Codes, s.Code)
		evidence := make([]string, len(s.Evidence))
		for i, e := range s.Evidence {
			evidence[i] = e.String()
			doc.EvidenceKeys = append(doc.EvidenceKeys, e.Item.String())
		}
		doc.Signals = append(doc.Signals, summarySignal{s.Severity.String(), s.Code, s.Summary, evidence, s.NextStep})
	}
	slices.Sort(doc.Codes)
	doc.Codes = slices.Compact(doc.Codes)
	slices.Sort(doc.EvidenceKeys)
	doc.EvidenceKeys = slices.Compact(doc.EvidenceKeys)
	body, _ := json.MarshalIndent(doc, "", "  ") // plain strings and ints: cannot fail
	return append(body, '\n')
}
