package runcontrol

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"
)

// Source is what one Periscope receiver collects.
type Source interface {
	// Check runs at start; an error is a configuration error (a missing
	// root path) and stops the collector with that message.
	Check() error
	// Collect takes one snapshot. Collection errors are records in the
	// result (layout.AppendError), never a failure of the run.
	Collect(ctx context.Context) plog.Logs
}

// snapshotReceiver runs a Source once when the collector starts.
type snapshotReceiver struct {
	settings   receiver.Settings
	next       consumer.Logs
	source     Source
	collection *Collection
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// NewSnapshotReceiver returns a logs receiver that collects once at start
// and delivers the snapshot to next, registered with tracker.
func NewSnapshotReceiver(set receiver.Settings, next consumer.Logs, source Source, tracker *Tracker) receiver.Logs {
	return &snapshotReceiver{
		settings:   set,
		next:       next,
		source:     source,
		collection: tracker.Expect(set.ID),
	}
}

func (r *snapshotReceiver) Start(_ context.Context, _ component.Host) error {
	if err := r.source.Check(); err != nil {
		return err
	}
	// The start context ends with Start; collection needs one that lasts
	// until Shutdown.
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer r.collection.Done()
		ld := r.source.Collect(ctx)
		if err := r.next.ConsumeLogs(ctx, ld); err != nil {
			r.settings.Logger.Error("Delivering the collection failed", zap.Error(err))
		}
	}()
	return nil
}

func (r *snapshotReceiver) Shutdown(context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	// A receiver shut down before it ran (a failed start elsewhere) must not
	// hold a one-shot run open.
	r.collection.Done()
	return nil
}
