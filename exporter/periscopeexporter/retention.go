package periscopeexporter

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
)

// pruneRuns keeps a DaemonSet's spool (a hostPath, so the node's disk) from
// growing by one run's node logs per run ID forever: it removes the run
// folders of dir beyond the newest keep, newest by modification time (a run
// ID need not sort by time). A run some node of which is still pending
// delivery, or the current run, is never removed: losing data to save disk
// is the wrong trade. It returns the run IDs removed.
func pruneRuns(dir string, keep int, current string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read spool %s: %w", dir, err)
	}
	type run struct {
		id  string
		mod int64
	}
	var runs []run
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		runs = append(runs, run{e.Name(), fi.ModTime().UnixNano()})
	}
	slices.SortFunc(runs, func(a, b run) int { return cmp.Compare(b.mod, a.mod) })
	var removed []string
	var errs []error
	for i, r := range runs {
		if i < keep || r.id == current {
			continue
		}
		pending, err := filepath.Glob(filepath.Join(dir, r.id, "*", publish.PendingMarker))
		if err != nil || len(pending) > 0 {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, r.id)); err != nil {
			errs = append(errs, fmt.Errorf("remove run %s from the spool: %w", r.id, err))
			continue
		}
		removed = append(removed, r.id)
	}
	return removed, errors.Join(errs...)
}

// pruneSpool applies local.retain_runs after a delivered node run.
func (e *layoutExporter) pruneSpool(current string) {
	if e.retainRuns <= 0 {
		return
	}
	removed, err := pruneRuns(e.dir, e.retainRuns, current)
	if len(removed) > 0 {
		e.logger.Info("Older runs removed from the spool (local.retain_runs)",
			zap.Strings("run_ids", removed), zap.Int("retain_runs", e.retainRuns))
	}
	if err != nil {
		e.logger.Warn("Spool not pruned", zap.Error(err))
	}
}
