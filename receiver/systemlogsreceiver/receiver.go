package systemlogsreceiver

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// collectorName is Periscope's collector name: the items' folder in the zip.
const collectorName = "systemlogs"

// errNotSupported starts the error of a platform without a systemd journal.
var errNotSupported = errors.New("not available")

// systemLogs is one journald receiver per unit, plus the run's check of
// what they cannot read (a runcontrol source, so its error records belong
// to the run like every collector's).
type systemLogs struct {
	cfg     *Config
	journal *journal
	checks  receiver.Logs
	units   map[string]receiver.Logs // unit → its journald receiver

	stopping atomic.Bool
	mu       sync.Mutex
	started  []receiver.Logs
}

func newReceiver(ctx context.Context, set receiver.Settings, cfg *Config, next consumer.Logs) (*systemLogs, error) {
	r := &systemLogs{cfg: cfg, units: map[string]receiver.Logs{}}
	r.journal = newJournal(cfg, set.Logger)
	r.checks = runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{},
		func() runcontrol.Source { return r.journal }, next, runcontrol.Default)
	// journald's own logger, quiet about the journalctl this receiver stops.
	quiet := set
	quiet.Logger = set.Logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return &quietStop{Core: c, stopping: &r.stopping}
	}))
	for _, unit := range cfg.Units {
		u, err := newUnitReceiver(ctx, quiet, cfg, unit, next)
		if err != nil {
			// Not this platform's: the run names it (journal.Collect).
			r.journal.setStartError(unit, err)
			continue
		}
		r.units[unit] = u
	}
	return r, nil
}

// Start starts the units' journald receivers when the node has journalctl
// (a receiver that cannot start is named in the run, never fatal), then the
// run's check.
func (r *systemLogs) Start(ctx context.Context, host component.Host) error {
	if r.journal.locate() == nil {
		var wg sync.WaitGroup
		for unit, u := range r.units {
			wg.Go(func() {
				// journald's Start waits a second for journalctl to fail:
				// the units wait together.
				err := u.Start(ctx, host)
				r.mu.Lock()
				r.started = append(r.started, u)
				r.mu.Unlock()
				if err != nil {
					r.journal.setStartError(unit, err)
				}
			})
		}
		wg.Wait()
	}
	return r.checks.Start(ctx, host)
}

// Shutdown stops journalctl; the journald receivers report its end (killed)
// at debug level, not as an error.
func (r *systemLogs) Shutdown(ctx context.Context) error {
	r.stopping.Store(true)
	r.mu.Lock()
	started := r.started
	r.started = nil
	r.mu.Unlock()
	var errs []error
	for _, u := range started {
		errs = append(errs, u.Shutdown(ctx))
	}
	errs = append(errs, r.checks.Shutdown(ctx))
	return errors.Join(errs...)
}

// journalctlExited is what the contrib journald input logs, at error level
// with a stack trace, when journalctl ends with a non-zero status; stopping
// it (context cancelled, SIGKILL) ends it so, at every pipeline rebuild.
const journalctlExited = "journalctl command exited"

// quietStop lowers that entry to debug once this receiver is stopping. A
// journalctl that exits by itself while the receiver runs stays an error.
type quietStop struct {
	zapcore.Core
	stopping *atomic.Bool
}

func (q *quietStop) With(fields []zapcore.Field) zapcore.Core {
	return &quietStop{Core: q.Core.With(fields), stopping: q.stopping}
}

func (q *quietStop) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if e.Level >= zapcore.ErrorLevel && e.Message == journalctlExited && q.stopping.Load() {
		e.Level = zapcore.DebugLevel
		e.Message = "journalctl stopped with its pipeline"
	}
	return q.Core.Check(e, ce)
}
