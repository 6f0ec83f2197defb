// Package clusterlease lets the collectors of a cluster (one per node, a
// DaemonSet) collect cluster-wide data once per run instead of once per
// node. They elect a leader with client-go's leaderelection on one Lease;
// the leader collects each cluster-scoped component for the current run ID
// and records on the Lease (AnnotationCompleted) that it delivered it. A
// collector that acquires the lease later — the leader crashed mid-run, or
// let go after its part — reads that record first and collects only what
// is missing, so a crashed leader's part is taken over within the run.
//
// The Coordinator implements runcontrol.ClusterScope; the periscope_run
// extension owns one per run, and a receiver opts in with
// runcontrol.Schedule{Scope: runcontrol.ScopeCluster}.
//
// Leader election without fencing has one known gap: a leader paused
// longer than the lease (a frozen VM) may still deliver after another
// collector took over. The scheduler checks Leading right before delivery
// to keep that window small; the cost of losing the race is a duplicate
// item, never a missing one.
package clusterlease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	coordinationclient "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/util/retry"

	"github.com/periscope-otel/periscope/internal/kubeclient"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// userAgent identifies the coordinator in API server audit logs.
const userAgent = "otelcol-periscope/cluster-lease"

// Coordinator is one collector's side of the election for one run.
type Coordinator struct {
	cfg      Config
	runID    string
	identity string
	where    string // namespace/name, for messages
	logger   *zap.Logger
	// electionLog is what client-go's leader election logs to.
	electionLog logr.Logger
	leases      coordinationclient.LeasesGetter
	lock        *resourcelock.LeaseLock

	mu          sync.Mutex
	active      int           // components waiting for or holding a turn
	leading     bool          // between OnStartedLeading and OnStoppedLeading
	leadChanged chan struct{} // closed (and replaced) when leading changes
	stop        context.CancelFunc
	gen         int           // the current election; callbacks of older ones are ignored
	elected     chan struct{} // closed when the current election has ended
	closed      bool
}

var _ runcontrol.ClusterScope = (*Coordinator)(nil)

// New returns the coordinator of runID, or an error wrapping
// runcontrol.ErrNotCoordinated when there is no Kubernetes config (lease
// auto outside a cluster) or the lease is off; a configured kubeconfig that
// cannot be loaded is a plain error.
func New(cfg Config, runID string, logger *zap.Logger) (*Coordinator, error) {
	if cfg.Lease == LeaseOff {
		return nil, fmt.Errorf("%w: cluster_scope.lease is off", runcontrol.ErrNotCoordinated)
	}
	server, err := kubeclient.Find(cfg.Kubeconfig, userAgent, cfg.RenewDeadline)
	switch {
	case err != nil && cfg.Kubeconfig != "":
		return nil, fmt.Errorf("cluster_scope: %w", err) // the operator's explicit choice: a config error
	case err != nil:
		return nil, fmt.Errorf("%w: %w", runcontrol.ErrNotCoordinated, err)
	}
	return NewForConfig(cfg, server.Config, runID, logger.With(zap.String("kubernetes", server.Origin)))
}

// NewForConfig is New with the API server's config given.
func NewForConfig(cfg Config, rc *rest.Config, runID string, logger *zap.Logger) (*Coordinator, error) {
	rc = rest.CopyConfig(rc)
	rc.UserAgent = userAgent
	rc.Timeout = cfg.RenewDeadline
	// No client-side rate limit: the election and the completion record
	// share one client, and a token bucket (5 QPS by default) can starve
	// the completion write behind fast retries. The request rate is bound
	// by retry_period already: one election request and one record read
	// per waiting component per period.
	rc.QPS = -1
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("cluster_scope: Kubernetes client: %w", err)
	}
	identity, err := newIdentity(cfg.Identity)
	if err != nil {
		return nil, err
	}
	logger = logger.With(zap.String("lease", cfg.Namespace+"/"+cfg.Name), zap.String("identity", identity))
	c := &Coordinator{
		cfg:         cfg,
		runID:       runID,
		identity:    identity,
		where:       cfg.Namespace + "/" + cfg.Name,
		logger:      logger,
		electionLog: newElectionLog(logger),
		leases:      client.CoordinationV1(),
		leadChanged: make(chan struct{}),
		elected:     closedChan(),
	}
	return c, nil
}

// newIdentity is name plus a random suffix: two processes on one host, or
// a restarted pod, are different candidates.
func newIdentity(name string) (string, error) {
	if name == "" {
		h, err := os.Hostname()
		if err != nil {
			return "", fmt.Errorf("cluster_scope.identity is empty and the host name is unknown: %w", err)
		}
		name = h
	}
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cluster_scope identity: %w", err)
	}
	return name + "-" + hex.EncodeToString(b), nil
}

func closedChan() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}

// Identity is this collector's name in the Lease.
func (c *Coordinator) Identity() string { return c.identity }

// Acquire implements runcontrol.ClusterScope: it returns once this
// collector leads and id is not yet delivered for the run, or id was
// delivered (ErrCollectedElsewhere), or the Lease cannot be used
// (ErrNotCoordinated: forbidden, or unreachable or never acquirable for
// twice the lease duration), or ctx ends.
func (c *Coordinator) Acquire(ctx context.Context, id component.ID) (runcontrol.ClusterTurn, error) {
	comp := id.String()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: shutting down", runcontrol.ErrNotCoordinated)
	}
	c.active++
	c.mu.Unlock()

	var failingSince, unheldSince time.Time
	giveUpAfter := 2 * c.cfg.LeaseDuration
	for {
		c.mu.Lock()
		leading, changed := c.leading, c.leadChanged
		c.mu.Unlock()
		// Leading is read before the record: when this collector leads,
		// the record read next includes whatever the previous holder
		// completed before it let go.
		lease, err := c.get(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			c.leave()
			return nil, ctx.Err()
		case err != nil:
			var unusable *unusableError
			if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || errors.As(err, &unusable) {
				c.leave()
				return nil, fmt.Errorf("%w: lease %s: %w", runcontrol.ErrNotCoordinated, c.where, err)
			}
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if time.Since(failingSince) > giveUpAfter {
				c.leave()
				return nil, fmt.Errorf("%w: lease %s unreadable for %s: %w", runcontrol.ErrNotCoordinated, c.where, giveUpAfter, err)
			}
		default:
			failingSince = time.Time{}
			done, err := parseCompletions(lease.GetAnnotations())
			if err != nil {
				// A damaged record must not stop collection: treat it as
				// empty; the next Complete rewrites it.
				c.logger.Warn("Completion record unreadable; treating it as empty", zap.Error(err))
			}
			if by, ok := done.collectedBy(c.runID, comp); ok {
				c.leave()
				return nil, fmt.Errorf("%w: %s by %s", runcontrol.ErrCollectedElsewhere, comp, by)
			}
			// The election starts once the Lease exists (get creates it):
			// started before, its own create would race this one.
			if err := c.joinElection(); err != nil {
				c.leave()
				return nil, err
			}
			if leading {
				return &turn{c: c, comp: comp}, nil
			}
			// Nobody holds a live lease and this collector cannot take it
			// (it may read but not write the Lease): collect locally
			// rather than never.
			if held(lease) {
				unheldSince = time.Time{}
			} else if unheldSince.IsZero() {
				unheldSince = time.Now()
			} else if time.Since(unheldSince) > giveUpAfter {
				c.leave()
				return nil, fmt.Errorf("%w: lease %s could not be acquired for %s (see the collector's log for the API server's answer)", runcontrol.ErrNotCoordinated, c.where, giveUpAfter)
			}
		}
		t := time.NewTimer(c.cfg.RetryPeriod)
		select {
		case <-ctx.Done():
			t.Stop()
			c.leave()
			return nil, ctx.Err()
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// get reads the Lease, creating it (without a holder) when it does not
// exist: the election would only log why it cannot, while here a missing
// namespace or a refused create is an answer (ErrNotCoordinated at once).
func (c *Coordinator) get(ctx context.Context) (*coordinationv1.Lease, error) {
	leases := c.leases.Leases(c.cfg.Namespace)
	lease, err := leases.Get(ctx, c.cfg.Name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return lease, err
	}
	lease, err = leases.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: c.cfg.Name}}, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		return leases.Get(ctx, c.cfg.Name, metav1.GetOptions{})
	case apierrors.IsNotFound(err):
		return nil, &unusableError{fmt.Errorf("namespace %s does not exist: %w", c.cfg.Namespace, err)}
	}
	return lease, err
}

// unusableError is an answer of the API server that retrying cannot change.
type unusableError struct{ err error }

func (e *unusableError) Error() string { return e.err.Error() }
func (e *unusableError) Unwrap() error { return e.err }

// held reports whether someone holds the lease and renewed it recently
// (by this host's clock, with one lease duration of slack for skew).
func held(l *coordinationv1.Lease) bool {
	s := l.Spec
	if s.HolderIdentity == nil || *s.HolderIdentity == "" || s.RenewTime == nil || s.LeaseDurationSeconds == nil {
		return false
	}
	d := time.Duration(*s.LeaseDurationSeconds) * time.Second
	return time.Since(s.RenewTime.Time) < 2*d
}

// joinElection starts the election unless it runs already.
func (c *Coordinator) joinElection() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("%w: shutting down", runcontrol.ErrNotCoordinated)
	}
	c.startElectionLocked()
	return nil
}

// startElectionLocked runs the election while components want the lease.
// A new election waits for the previous one to have let go, so two
// electors of this collector never run at once. The caller holds c.mu.
func (c *Coordinator) startElectionLocked() {
	if c.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	prev, done := c.elected, make(chan struct{})
	c.stop, c.elected = cancel, done
	c.gen++
	gen := c.gen
	go func() {
		defer close(done)
		<-prev
		for ctx.Err() == nil {
			le, err := leaderelection.NewLeaderElector(c.electionConfig(gen))
			if err != nil { // only a bad config, which Validate refuses
				c.logger.Error("Cluster lease election not started", zap.Error(err))
				return
			}
			// client-go logs through the context's logger (klog.FromContext):
			// this collector's log, at the levels electionLog gives.
			le.Run(logr.NewContext(ctx, c.electionLog)) // returns when ctx ends or the lease was lost
		}
	}()
}

func (c *Coordinator) electionConfig(gen int) leaderelection.LeaderElectionConfig {
	return leaderelection.LeaderElectionConfig{
		Lock: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: c.cfg.Namespace, Name: c.cfg.Name},
			Client:     c.leases,
			LockConfig: resourcelock.ResourceLockConfig{Identity: c.identity},
		},
		LeaseDuration:   c.cfg.LeaseDuration,
		RenewDeadline:   c.cfg.RenewDeadline,
		RetryPeriod:     c.cfg.RetryPeriod,
		ReleaseOnCancel: true, // the next collector need not wait for expiry
		Name:            "periscope-cluster",
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { c.setLeading(gen, true) },
			OnStoppedLeading: func() { c.setLeading(gen, false) },
		},
	}
}

func (c *Coordinator) setLeading(gen int, v bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.stop == nil {
		return // an election already told to stop
	}
	c.setLeadingLocked(v)
}

func (c *Coordinator) setLeadingLocked(v bool) {
	if c.leading == v {
		return
	}
	c.leading = v
	close(c.leadChanged)
	c.leadChanged = make(chan struct{})
	if v {
		c.logger.Info("Leading cluster-scoped collection", zap.String("run_id", c.runID))
	}
}

// leave ends one component's interest; the last one lets the lease go.
func (c *Coordinator) leave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active--
	if c.active == 0 && c.stop != nil {
		c.stopElectionLocked()
	}
}

// stopElectionLocked ends the election, which releases the lease. This
// collector stops counting as leader at once: a turn started later must
// wait for the next election, not trust one that is letting go.
func (c *Coordinator) stopElectionLocked() {
	c.stop()
	c.stop = nil
	c.setLeadingLocked(false)
}

// Shutdown lets the lease go and waits until it is released.
func (c *Coordinator) Shutdown() {
	c.mu.Lock()
	c.closed = true
	if c.stop != nil {
		c.stopElectionLocked()
	}
	elected := c.elected
	c.mu.Unlock()
	<-elected
}

// complete records on the Lease that comp was delivered for the run.
func (c *Coordinator) complete(comp string) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.LeaseDuration)
	defer cancel()
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		lease, err := c.leases.Leases(c.cfg.Namespace).Get(ctx, c.cfg.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		done, err := parseCompletions(lease.Annotations)
		if err != nil {
			c.logger.Warn("Completion record unreadable; rewriting it", zap.Error(err))
		}
		if lease.Annotations == nil {
			lease.Annotations = map[string]string{}
		}
		lease.Annotations[AnnotationCompleted] = done.with(c.runID, comp, c.identity).encode()
		_, err = c.leases.Leases(c.cfg.Namespace).Update(ctx, lease, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("record %s completed for run %s on lease %s: %w", comp, c.runID, c.where, err)
	}
	return nil
}

// turn is one component's right to collect.
type turn struct {
	c    *Coordinator
	comp string
	once sync.Once
}

func (t *turn) Leading() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	return t.c.leading
}

func (t *turn) Complete() error {
	err := t.c.complete(t.comp)
	t.end()
	return err
}

func (t *turn) Abandon(bool) { t.end() }

func (t *turn) end() { t.once.Do(t.c.leave) }
