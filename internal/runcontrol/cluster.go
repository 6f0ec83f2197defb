package runcontrol

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
)

// Scope says who collects a source: every node, or one collector of the
// cluster per run.
type Scope int

const (
	// ScopeNode collects on every collector (the node's files, its rules).
	ScopeNode Scope = iota
	// ScopeCluster collects data about the whole cluster (Kubernetes
	// objects, helm releases, `kubectl top`) on one collector per run ID,
	// chosen by the host's ClusterScope. Without one (no periscope_run
	// extension, lease off, no Kubernetes config) it collects like
	// ScopeNode. Only the once-per-run collection is coordinated: with an
	// Interval (a periodic metrics feed) every collector repeats it, as a
	// node-scoped source does.
	ScopeCluster
)

// ClusterScope coordinates the cluster's collectors so that each
// cluster-scoped component collects once per run (the periscope_run
// extension implements it with a Kubernetes Lease).
type ClusterScope interface {
	// Acquire blocks until this collector may collect id for the current
	// run and returns the turn. Otherwise it returns an error:
	// ErrCollectedElsewhere when another collector delivered id for the
	// run; ErrNotCoordinated when there is no coordination (lease off, no
	// Kubernetes config, the Lease API refused or unreachable): collect on
	// this node as a node-scoped source; ctx's error when ctx ends.
	Acquire(ctx context.Context, id component.ID) (ClusterTurn, error)
}

// ClusterTurn is the right to collect one component for the run.
type ClusterTurn interface {
	// Leading reports whether this collector still holds the lease; a
	// collection finished after losing it is dropped, since another
	// collector is taking over.
	Leading() bool
	// Complete records that the component's collection was delivered for
	// the run, so no collector collects it again; it ends the turn.
	Complete() error
	// Abandon ends the turn without completing it. giveUp keeps this
	// collector from trying the component again in this run (its delivery
	// failed: another collector may succeed); otherwise it contends again.
	Abandon(giveUp bool)
}

var (
	// ErrCollectedElsewhere: another collector delivered the component for
	// the run.
	ErrCollectedElsewhere = errors.New("collected by another collector for this run")
	// ErrNotCoordinated: no cluster coordination; collect on this node.
	ErrNotCoordinated = errors.New("cluster-scoped collection is not coordinated")
)

// ClusterScopeProvider is implemented by an extension offering a
// ClusterScope; ClusterScope returns nil when coordination is off.
type ClusterScopeProvider interface {
	ClusterScope() ClusterScope
}

// FindClusterScope returns the host's ClusterScope, or nil.
func FindClusterScope(host component.Host) ClusterScope {
	if host == nil {
		return nil
	}
	for _, ext := range host.GetExtensions() {
		if p, ok := ext.(ClusterScopeProvider); ok {
			if cs := p.ClusterScope(); cs != nil {
				return cs
			}
		}
	}
	return nil
}

// runCluster collects a cluster-scoped source once for the run, when this
// collector's turn comes. The node's round waits for it: a one-shot run
// ends when the cluster part was delivered by someone, and a collector
// that outlives a crashed leader takes over within the run.
func (s *scheduler) runCluster(ctx context.Context, cs ClusterScope) {
	defer close(s.done)
	defer s.collection.Done()
	log := s.set.Logger
	for ctx.Err() == nil {
		turn, err := cs.Acquire(ctx, s.set.ID)
		switch {
		case errors.Is(err, ErrCollectedElsewhere):
			log.Info("Cluster-scoped collection done by another collector for this run", zap.Error(err))
			return
		case errors.Is(err, ErrNotCoordinated):
			log.Warn("Collecting cluster-scoped data on this node", zap.Error(err))
			s.collectAndDeliver(ctx)
			return
		case err != nil:
			return // ctx ended: shutdown
		}
		snap := s.source.Collect(ctx)
		if ctx.Err() != nil {
			// Shut down mid-collection (a new run ID, a stopped pod): the
			// snapshot is partial; the run's part stays open for others.
			turn.Abandon(false)
			return
		}
		if !turn.Leading() {
			log.Warn("Lost the cluster lease while collecting; another collector takes over")
			turn.Abandon(false)
			continue
		}
		markCluster(snap)
		if err := s.deliver(ctx, snap); err != nil {
			log.Error("Cluster-scoped collection not delivered; leaving it to another collector", zap.Error(err))
			turn.Abandon(true)
			return
		}
		if err := turn.Complete(); err != nil {
			log.Error("Cluster-scoped collection delivered but not recorded as completed; another collector may repeat it", zap.Error(err))
			return
		}
		log.Info("Cluster-scoped collection delivered for the cluster")
		return
	}
}

// markCluster stamps every resource of the snapshot with the cluster scope,
// so the exporter stores its items once per run.
func markCluster(snap Snapshot) {
	rls := snap.Logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rls.At(i).Resource().Attributes().PutStr(layout.AttrScope, layout.ScopeCluster)
	}
	rms := snap.Metrics.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rms.At(i).Resource().Attributes().PutStr(layout.AttrScope, layout.ScopeCluster)
	}
}
