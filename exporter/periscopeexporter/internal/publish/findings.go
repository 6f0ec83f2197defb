package publish

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Finding is one of the diagnoser's signals that needs attention (ERROR or
// WARN), as the one-shot run's closing lines show it.
type Finding struct {
	Severity, Code, Summary string
}

// ReadFindings reads the ERROR and WARN signals of a node run's
// diagnostics.json, errors first, each in the diagnoser's order; nil when
// the diagnoser did not run.
func ReadFindings(dir string) ([]Finding, error) {
	data, err := os.ReadFile(filepath.Join(dir, diagnosticsSummaryKey))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the diagnoser's summary: %w", err)
	}
	var doc struct {
		Signals []struct {
			Severity string `json:"severity"`
			Code     string `json:"code"`
			Summary  string `json:"summary"`
		} `json:"signals"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("the diagnoser's summary %s is not its JSON: %w", diagnosticsSummaryKey, err)
	}
	var out []Finding
	for _, s := range doc.Signals {
		if s.Severity == "ERROR" || s.Severity == "WARN" {
			out = append(out, Finding{Severity: s.Severity, Code: s.Code, Summary: s.Summary})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity == "ERROR" && out[j].Severity != "ERROR" })
	return out, nil
}
