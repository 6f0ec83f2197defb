package periscopeexporter

import (
	"context"
	"io"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/atomicfile"
	"github.com/periscope-otel/periscope/internal/findings"
	"github.com/periscope-otel/periscope/internal/report"
	"github.com/periscope-otel/periscope/internal/runread"
)

// reportKey is the run's page, beside its node folders.
const reportKey = "report.html"

// writeReport makes <run-id>/report.html from the run folder as it is now
// (every node folder and cluster/ in the directory, their status.json,
// diagnostics.json and networkoutbound) and, with azure_blob, uploads it as
// <run-id>/report.html. A report that cannot be made is logged: it never
// makes a delivered run undelivered.
func (e *layoutExporter) writeReport(ctx context.Context, runID string) {
	runDir := filepath.Join(e.dir, runID)
	run, err := runread.Open(ctx, []string{runDir}, runID)
	if err != nil {
		e.logger.Warn("Run report not written", zap.String("run_id", runID), zap.Error(err))
		return
	}
	run.Where = e.publisher.Where(e.dir, runID, "")
	page := report.Build(run, findings.Recorded(run), report.RunFolder)
	file := filepath.Join(runDir, reportKey)
	if err := atomicfile.Write(file, 0o644, func(w io.Writer) error { return report.Write(w, page) }); err != nil {
		e.logger.Warn("Run report not written", zap.String("run_id", runID), zap.Error(err))
		return
	}
	if err := e.publisher.UploadRunFile(ctx, runID, reportKey, file); err != nil {
		e.logger.Warn("Run report not uploaded", zap.String("run_id", runID), zap.Error(err))
	}
}
