package clusterlease

import (
	"encoding/json"
	"fmt"
)

// AnnotationCompleted on the Lease records which cluster-scoped components
// were delivered for recent runs, and by whom, so that a collector that
// takes the lease over (the leader crashed, or finished and let go) does
// not collect them again:
//
//	aks-periscope/completed: [{"run_id":"2026-11-29T02-00-00Z","collected":{"kube_objects":"node-a-3f9c01"}}]
//
// Only the holder of the lease writes it; readers are any collector.
const AnnotationCompleted = "aks-periscope/completed"

// keptRuns bounds the record: a node still on an older run ID (the
// ConfigMap is polled) must find that run's entry, and the annotation must
// stay small.
const keptRuns = 8

type runRecord struct {
	RunID     string            `json:"run_id"`
	Collected map[string]string `json:"collected"` // component ID → holder identity
}

type completions []runRecord

func parseCompletions(annotations map[string]string) (completions, error) {
	raw, ok := annotations[AnnotationCompleted]
	if !ok || raw == "" {
		return nil, nil
	}
	var c completions
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, fmt.Errorf("annotation %s: %w", AnnotationCompleted, err)
	}
	return c, nil
}

// collectedBy says who delivered component for runID.
func (c completions) collectedBy(runID, component string) (string, bool) {
	for _, r := range c {
		if r.RunID == runID {
			by, ok := r.Collected[component]
			return by, ok
		}
	}
	return "", false
}

// with records that holder delivered component for runID; the run moves
// to the end (most recent), the oldest runs beyond keptRuns are dropped.
func (c completions) with(runID, component, holder string) completions {
	rec := runRecord{RunID: runID, Collected: map[string]string{}}
	out := make(completions, 0, len(c)+1)
	for _, r := range c {
		if r.RunID == runID {
			rec = r
			continue
		}
		out = append(out, r)
	}
	rec.Collected[component] = holder
	out = append(out, rec)
	if len(out) > keptRuns {
		out = out[len(out)-keptRuns:]
	}
	return out
}

func (c completions) encode() string {
	data, _ := json.Marshal(c) // strings and maps of strings: cannot fail
	return string(data)
}
