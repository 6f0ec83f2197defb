// Package runcontrol owns *when* a Periscope collection runs and when a
// one-shot run is over. Every Periscope receiver only knows *what* it
// collects (a Source); the scheduler here runs it at start (and on an
// interval when asked), hands the snapshot to the logs and metrics
// pipelines and tells the Tracker. The command's --once mode waits on the
// Tracker, then shuts the collector down so exporters flush.
package runcontrol

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"go.opentelemetry.io/collector/component"
)

// Tracker counts the collections of a run and the deliveries that failed.
// The collector creates every component before it starts any, so all
// collections are expected before the first one can finish.
type Tracker struct {
	mu       sync.Mutex
	pending  map[*Collection]struct{}
	streams  map[string]*stream // by file path, as filelog names it
	expected int
	finished chan struct{}
	failures []error
	outputs  []string
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker {
	return &Tracker{pending: map[*Collection]struct{}{}, streams: map[string]*stream{}, finished: make(chan struct{})}
}

// Default is the process's tracker: the one the command waits on.
var Default = NewTracker()

// Collection is one expected collection of one receiver.
type Collection struct {
	ID      component.ID
	tracker *Tracker
	once    sync.Once
}

// Expect registers a collection that a one-shot run must wait for.
func (t *Tracker) Expect(id component.ID) *Collection {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &Collection{ID: id, tracker: t}
	select {
	case <-t.finished:
		// A new round after a finished one (the collector rebuilt its
		// pipelines): waiters of the new round get a new channel.
		t.finished = make(chan struct{})
	default:
	}
	t.pending[c] = struct{}{}
	t.expected++
	clear(t.streams)
	return c
}

// Done marks the collection delivered to the pipeline. Calling it again is a no-op.
func (c *Collection) Done() {
	c.once.Do(func() {
		t := c.tracker
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.pending, c)
		t.closeIfFinished()
	})
}

// closeIfFinished closes the round when no collection or stream is pending.
// The caller holds t.mu.
func (t *Tracker) closeIfFinished() {
	if len(t.pending) > 0 {
		return
	}
	for _, s := range t.streams {
		if !s.complete() {
			return
		}
	}
	select {
	case <-t.finished:
	default:
		close(t.finished)
	}
}

// Finished is closed when every expected collection is done and every
// expected stream was read to its size at the run's start. It stays open
// while nothing was expected, so a run without Periscope receivers ends only
// by its deadline or a signal.
func (t *Tracker) Finished() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.finished
}

// Pending names the collections and streams not done yet, sorted.
func (t *Tracker) Pending() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.pending))
	for c := range t.pending {
		names = append(names, c.ID.String())
	}
	for path, s := range t.streams {
		if !s.complete() {
			names = append(names, fmt.Sprintf("%s (read %d of %d bytes)", path, s.read, s.size))
		}
	}
	sort.Strings(names)
	return names
}

// Expected is how many collections were registered.
func (t *Tracker) Expected() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.expected
}

// ReportDeliveryFailure records an export that did not reach its destination;
// a one-shot run exits non-zero when any was reported.
func (t *Tracker) ReportDeliveryFailure(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures = append(t.failures, err)
}

// DeliveryFailures joins every reported failure, or is nil.
func (t *Tracker) DeliveryFailures() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return errors.Join(t.failures...)
}

// ReportOutput records where a run's output went, for the closing summary.
func (t *Tracker) ReportOutput(where string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.outputs = append(t.outputs, where)
}

// Outputs lists what ReportOutput recorded, in order.
func (t *Tracker) Outputs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.outputs...)
}
