package runcontrol

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"
)

// Schedule says when a source collects within a run.
type Schedule struct {
	// Interval repeats the collection while the collector runs (a
	// DaemonSet's connectivity probe); 0 collects once per run.
	Interval time.Duration
	// Scope is ScopeNode (every collector) unless the source collects
	// data about the whole cluster (ScopeCluster).
	Scope Scope
}

// scheduler runs one source for every signal its component was created for:
// one collection feeds the logs and the metrics pipelines alike. (The
// collector creates a component once per signal and fans out to pipelines
// itself, so there is at most one consumer per signal.)
type scheduler struct {
	set        receiver.Settings
	source     Source
	schedule   Schedule
	collection *Collection

	mu      sync.Mutex
	logs    consumer.Logs    // nil unless created for logs
	metrics consumer.Metrics // nil unless created for metrics
	started int
	cancel  context.CancelFunc
	done    chan struct{}
}

// registry shares one scheduler among the signals of one component, keyed
// by its config (the collector passes the same config to every create call
// of one component ID).
type registry struct {
	mu sync.Mutex
	m  map[component.Config]*scheduler
}

var schedulers = &registry{m: map[component.Config]*scheduler{}}

func (r *registry) get(set receiver.Settings, cfg component.Config, schedule Schedule, newSource func() Source, tracker *Tracker) *scheduler {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.m[cfg]; ok {
		return s
	}
	s := &scheduler{set: set, source: newSource(), schedule: schedule, collection: tracker.Expect(set.ID)}
	r.m[cfg] = s
	return s
}

func (r *registry) drop(cfg component.Config, s *scheduler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m[cfg] == s {
		delete(r.m, cfg)
	}
}

// NewLogsReceiver returns the logs side of the component's scheduler.
func NewLogsReceiver(set receiver.Settings, cfg component.Config, schedule Schedule, newSource func() Source, next consumer.Logs, tracker *Tracker) receiver.Logs {
	s := schedulers.get(set, cfg, schedule, newSource, tracker)
	s.mu.Lock()
	s.logs = next
	s.mu.Unlock()
	return &handle{s: s, cfg: cfg}
}

// NewMetricsReceiver returns the metrics side of the component's scheduler.
func NewMetricsReceiver(set receiver.Settings, cfg component.Config, schedule Schedule, newSource func() Source, next consumer.Metrics, tracker *Tracker) receiver.Metrics {
	s := schedulers.get(set, cfg, schedule, newSource, tracker)
	s.mu.Lock()
	s.metrics = next
	s.mu.Unlock()
	return &handle{s: s, cfg: cfg}
}

// handle is one signal's view of a shared scheduler: the first Start runs
// it, the last Shutdown stops it.
type handle struct {
	s   *scheduler
	cfg component.Config
}

func (h *handle) Start(_ context.Context, host component.Host) error {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started++
	if s.started > 1 {
		return nil
	}
	if err := s.source.Check(); err != nil {
		return err
	}
	if run := FindRun(host); run != nil && run.Completed() {
		s.set.Logger.Info("Run already collected on this node; waiting for a new run ID",
			zap.String("run_id", run.ID()))
		s.collection.Done()
		return nil
	}
	// The start context ends with Start; collections need one that lasts
	// until Shutdown.
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan struct{})
	if s.schedule.Scope == ScopeCluster && s.schedule.Interval <= 0 {
		if cs := FindClusterScope(host); cs != nil {
			go s.runCluster(ctx, cs)
			return nil
		}
	}
	go s.run(ctx)
	return nil
}

func (h *handle) Shutdown(context.Context) error {
	s := h.s
	s.mu.Lock()
	s.started--
	last := s.started <= 0
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if !last {
		return nil
	}
	schedulers.drop(h.cfg, s)
	if cancel != nil {
		cancel()
		<-done
	}
	// A component shut down before it ran (another failed to start) must
	// not hold a one-shot run open.
	s.collection.Done()
	return nil
}

func (s *scheduler) run(ctx context.Context) {
	defer close(s.done)
	s.collectAndDeliver(ctx)
	s.collection.Done()
	if s.schedule.Interval <= 0 {
		return
	}
	ticker := time.NewTicker(s.schedule.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.collectAndDeliver(ctx)
		}
	}
}

func (s *scheduler) collectAndDeliver(ctx context.Context) {
	if err := s.deliver(ctx, s.source.Collect(ctx)); err != nil {
		s.set.Logger.Error("Delivering the collection failed", zap.Error(err))
	}
	if b, ok := s.source.(Batcher); ok {
		b.CollectBatches(ctx, func(snap Snapshot) error { return s.deliver(ctx, snap) })
	}
}

// deliver hands a snapshot to the pipelines; the error is what they
// returned (with the periscope exporter and no sending queue: whether the
// items were written, and uploaded for cluster-scoped items).
func (s *scheduler) deliver(ctx context.Context, snap Snapshot) error {
	s.mu.Lock()
	logs, metrics := s.logs, s.metrics
	s.mu.Unlock()
	var errs []error
	if logs != nil && snap.Logs.LogRecordCount() > 0 {
		errs = append(errs, logs.ConsumeLogs(ctx, snap.Logs))
	}
	if metrics != nil && snap.Metrics.DataPointCount() > 0 {
		errs = append(errs, metrics.ConsumeMetrics(ctx, snap.Metrics))
	}
	return errors.Join(errs...)
}
