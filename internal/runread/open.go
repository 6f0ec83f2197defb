package runread

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// Open reads the runs refs name and merges their nodes into one run: each
// ref is a node or run folder (or an output directory: its newest run, or
// runID), a node zip, or a blob URL (a node zip, a run or node prefix, or a
// container with a SAS: its run runID, else its newest). A ref that cannot
// be read is named in Run.Problems and the others are read; Open fails only
// when none could be.
func Open(ctx context.Context, refs []string, runID string) (*Run, error) {
	var merged *Run
	var problems []string
	for _, ref := range refs {
		r, err := openOne(ctx, ref, runID)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if merged == nil {
			merged = r
			continue
		}
		if r.ID != merged.ID && r.ID != "" && merged.ID != "" {
			problems = append(problems, fmt.Sprintf("%s is run %s, not %s: read as part of it", ref, r.ID, merged.ID))
		}
		merged.Where += ", " + r.Where
		merged.Nodes = append(merged.Nodes, r.Nodes...)
		merged.Problems = append(merged.Problems, r.Problems...)
		if merged.Cluster == nil {
			merged.Cluster = r.Cluster
		}
		if merged.LinkBase != r.LinkBase {
			merged.LinkBase = "" // items of several places: no common base
		}
	}
	if merged == nil {
		return nil, fmt.Errorf("nothing could be read: %s", strings.Join(problems, "; "))
	}
	merged.Problems = append(problems, merged.Problems...)
	sortNodes(merged.Nodes)
	return merged, nil
}

func openOne(ctx context.Context, ref, runID string) (*Run, error) {
	if IsBlobURL(ref) {
		return openBlob(ctx, ref, runID)
	}
	info, err := os.Stat(ref)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no such node folder, run folder or zip", ref)
		}
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	if !info.IsDir() {
		return openZipArg(ref, runID)
	}
	return openDir(ref, runID)
}
