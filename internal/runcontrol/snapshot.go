package runcontrol

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Source is what one Periscope receiver collects. It only knows *what*;
// the scheduler here decides *when*.
type Source interface {
	// Check runs at start; an error is a configuration error (a missing
	// root path) and stops the collector with that message.
	Check() error
	// Collect takes one snapshot. Collection errors are records in the
	// result (layout.AppendError), never a failure of the run.
	Collect(ctx context.Context) Snapshot
}

// Batcher is a Source whose collection is too large for one snapshot (log
// files as one record per line). After Collect's snapshot is delivered,
// CollectBatches produces the rest, handing each batch to deliver before
// building the next, so memory holds one batch whatever the input. The
// collection is done when it returns; deliver's error is the pipeline's
// (the batch was not written), which the source records and goes on.
type Batcher interface {
	CollectBatches(ctx context.Context, deliver func(Snapshot) error)
}

// Snapshot is what one collection produced, per signal. Empty signals are
// not delivered.
type Snapshot struct {
	Logs    plog.Logs
	Metrics pmetric.Metrics
}

// NewSnapshot returns an empty snapshot, ready to be filled.
func NewSnapshot() Snapshot {
	return Snapshot{Logs: plog.NewLogs(), Metrics: pmetric.NewMetrics()}
}

// NewLogsSnapshot returns an empty snapshot and the scope, named scope,
// that a receiver's records go in.
func NewLogsSnapshot(scope string) (Snapshot, plog.ScopeLogs) {
	snap := NewSnapshot()
	sl := snap.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(scope)
	return snap, sl
}
