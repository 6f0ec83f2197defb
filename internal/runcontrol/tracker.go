// Package runcontrol owns *when* a Periscope collection runs and when a
// one-shot run is over. Every Periscope receiver only knows *what* it
// collects (a Source); the scheduler here runs it at start (and on an
// interval when asked), hands the snapshot to the logs and metrics
// pipelines and tells the Tracker. The command's --once mode waits on the
// Tracker, then shuts the collector down so exporters flush.
package runcontrol

import (
	"errors"
	"sort"
	"sync"

	"go.opentelemetry.io/collector/component"
)

// Tracker counts the collections of a run and the deliveries that failed.
// The collector creates every component before it starts any, so all
// collections are expected before the first one can finish.
//
// A round ends in two stages. CollectionsDone closes when every receiver
// collection is done; then post-collection participants
// (the diagnoser, which judges the whole run) add their output and report
// done, and only then Finished closes: what the exporter (which zips the
// node run) and the one-shot command wait on.
type Tracker struct {
	mu              sync.Mutex
	pending         map[*Collection]struct{}
	post            map[*Participant]struct{}
	expected        int
	collectionsDone chan struct{}
	finished        chan struct{}
	failures        []error
	incomplete      []error
	outputs         []string
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker {
	return &Tracker{
		pending:         map[*Collection]struct{}{},
		post:            map[*Participant]struct{}{},
		collectionsDone: make(chan struct{}),
		finished:        make(chan struct{}),
	}
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
	t.newRoundIfClosed()
	if closedChan(t.collectionsDone) {
		// Only participants were still working: the collector rebuilt its
		// pipelines mid-stage. The new collections reopen the first stage.
		t.collectionsDone = make(chan struct{})
	}
	t.pending[c] = struct{}{}
	t.expected++
	return c
}

// newRoundIfClosed starts a new round after a finished one (the collector
// rebuilt its pipelines): waiters of the new round get new channels. The
// caller holds t.mu.
func (t *Tracker) newRoundIfClosed() {
	if !closedChan(t.finished) {
		return
	}
	t.collectionsDone = make(chan struct{})
	t.finished = make(chan struct{})
}

func closedChan(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
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

// closeIfFinished closes the first stage when no collection is pending,
// and the round when no post-collection participant is pending either.
// The caller holds t.mu.
func (t *Tracker) closeIfFinished() {
	if len(t.pending) > 0 {
		return
	}
	if !closedChan(t.collectionsDone) {
		close(t.collectionsDone)
	}
	if len(t.post) > 0 {
		return
	}
	if !closedChan(t.finished) {
		close(t.finished)
	}
}

// CollectionsDone is closed when every expected collection is done: the
// run's data has passed through the pipeline. Post-collection participants wait
// on it. It stays open while nothing was expected.
func (t *Tracker) CollectionsDone() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.collectionsDone
}

// Finished is closed when the collections are done (CollectionsDone) and
// every post-collection participant reported done. It stays open while
// nothing was expected, so a run without Periscope receivers ends only by
// its deadline or a signal.
func (t *Tracker) Finished() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.finished
}

// Participant is a component that adds output after the run's collections
// are done (a processor judging the whole run) and before the round is
// finished (the exporter zips the node run).
type Participant struct {
	ID      component.ID
	tracker *Tracker
	once    sync.Once
}

// ExpectAfterCollections registers a post-collection participant: Finished
// stays open until it is Done. Call it when the component is created, like
// Expect, so the round cannot finish before it is known. The participant
// waits on CollectionsDone, delivers its output, then calls Done (also at
// Shutdown, so a component that never ran does not hold a run open).
func (t *Tracker) ExpectAfterCollections(id component.ID) *Participant {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.newRoundIfClosed()
	p := &Participant{ID: id, tracker: t}
	t.post[p] = struct{}{}
	return p
}

// Done marks the participant's output delivered. Calling it again is a no-op.
func (p *Participant) Done() {
	p.once.Do(func() {
		t := p.tracker
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.post, p)
		if closedChan(t.collectionsDone) {
			t.closeIfFinished()
		}
	})
}

// Pending names the collections and participants not done yet, sorted.
func (t *Tracker) Pending() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.pending))
	for c := range t.pending {
		names = append(names, c.ID.String())
	}
	for p := range t.post {
		names = append(names, p.ID.String()+" (after the collections)")
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
// a one-shot run exits non-zero when any was reported. A failure already
// recorded with the same message is not recorded again: a DaemonSet
// retrying an unreachable destination every publish_interval for days
// would otherwise grow the list without end.
func (t *Tracker) ReportDeliveryFailure(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	msg := err.Error()
	for _, f := range t.failures {
		if f.Error() == msg {
			return
		}
	}
	t.failures = append(t.failures, err)
}

// DeliveryFailures joins every reported failure, or is nil.
func (t *Tracker) DeliveryFailures() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return errors.Join(t.failures...)
}

// ReportIncomplete records an item the run set out to collect and did not
// collect whole (a log that shrank or was replaced under the copy, a file
// left unread): the run is delivered but incomplete, never "success". The
// same message is recorded once.
func (t *Tracker) ReportIncomplete(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	msg := err.Error()
	for _, f := range t.incomplete {
		if f.Error() == msg {
			return
		}
	}
	t.incomplete = append(t.incomplete, err)
}

// Incomplete joins every reported incompleteness, or is nil.
func (t *Tracker) Incomplete() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return errors.Join(t.incomplete...)
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
