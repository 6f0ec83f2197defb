package runcontrol

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/periscope-otel/periscope/internal/layout"
)

// scopeFixture is a ClusterScope answering from a script: each Acquire
// takes the next answer (a turn when err is nil).
type scopeFixture struct {
	mu      sync.Mutex
	answers []error
	turns   []*turnFixture
}

func (s *scopeFixture) Acquire(context.Context, component.ID) (ClusterTurn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.answers[0]
	s.answers = s.answers[1:]
	if err != nil {
		return nil, err
	}
	t := &turnFixture{leading: len(s.answers) == 0 || s.answers[0] != errLostFixture}
	if !t.leading {
		s.answers = s.answers[1:]
	}
	s.turns = append(s.turns, t)
	return t, nil
}

// errLostFixture after a nil answer makes that turn lose the lease.
var errLostFixture = errors.New("fixture: lose the lease during the collection")

type turnFixture struct {
	leading           bool
	completed, gaveUp bool
	abandoned         bool
}

func (t *turnFixture) Leading() bool   { return t.leading }
func (t *turnFixture) Complete() error { t.completed = true; return nil }
func (t *turnFixture) Abandon(giveUp bool) {
	t.abandoned, t.gaveUp = true, giveUp
}

type scopeHost struct{ scope ClusterScope }

func (h scopeHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{component.MustNewID("periscope_run"): scopeProvider{h.scope}}
}

type scopeProvider struct{ scope ClusterScope }

func (scopeProvider) Start(context.Context, component.Host) error { return nil }
func (scopeProvider) Shutdown(context.Context) error              { return nil }
func (p scopeProvider) ClusterScope() ClusterScope                { return p.scope }

// runOnce starts a cluster-scoped receiver on the host and waits until its
// collection counts as done for the run.
func runOnce(t *testing.T, host component.Host, src Source, next consumer.Logs) {
	t.Helper()
	tracker := NewTracker()
	r := NewLogsReceiver(receivertest.NewNopSettings(component.MustNewType("fixture")), &testConfig{},
		Schedule{Scope: ScopeCluster}, func() Source { return src }, next, tracker)
	require.NoError(t, r.Start(context.Background(), host))
	select {
	case <-tracker.Finished():
	case <-time.After(10 * time.Second):
		t.Fatal("the cluster-scoped collection never ended")
	}
	require.NoError(t, r.Shutdown(context.Background()))
}

func scopes(logs []plog.Logs) []string {
	var out []string
	for _, ld := range logs {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			scope := ""
			if v, ok := ld.ResourceLogs().At(i).Resource().Attributes().Get(layout.AttrScope); ok {
				scope = v.AsString()
			}
			out = append(out, scope)
		}
	}
	return out
}

func TestClusterScopedCollection(t *testing.T) {
	tests := []struct {
		name       string
		answers    []error
		deliverErr error
		wantRuns   int32
		wantScopes []string // periscope.scope of each delivered resource
		check      func(t *testing.T, turns []*turnFixture)
	}{
		{
			name:       "this collector's turn: marked cluster, delivered, recorded complete",
			answers:    []error{nil},
			wantRuns:   1,
			wantScopes: []string{"cluster"},
			check: func(t *testing.T, turns []*turnFixture) {
				assert.True(t, turns[0].completed)
			},
		},
		{
			name:     "another collector delivered it: nothing collected",
			answers:  []error{fmt.Errorf("%w: kube_objects by node-a", ErrCollectedElsewhere)},
			wantRuns: 0,
		},
		{
			name:       "no coordination: collected on this node, unmarked",
			answers:    []error{fmt.Errorf("%w: lease forbidden", ErrNotCoordinated)},
			wantRuns:   1,
			wantScopes: []string{""},
		},
		{
			name:       "lease lost during the collection: dropped, contended again, then taken by another",
			answers:    []error{nil, errLostFixture, fmt.Errorf("%w: by node-b", ErrCollectedElsewhere)},
			wantRuns:   1,
			wantScopes: nil,
			check: func(t *testing.T, turns []*turnFixture) {
				assert.True(t, turns[0].abandoned)
				assert.False(t, turns[0].gaveUp, "it may try again")
				assert.False(t, turns[0].completed)
			},
		},
		{
			name:       "delivery failed: given up for this run, not completed",
			answers:    []error{nil},
			deliverErr: errors.New("upload refused"),
			wantRuns:   1,
			wantScopes: []string{"cluster"},
			check: func(t *testing.T, turns []*turnFixture) {
				assert.True(t, turns[0].gaveUp)
				assert.False(t, turns[0].completed)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope := &scopeFixture{answers: tt.answers}
			src := &countingSource{}
			sink := &failingSink{err: tt.deliverErr}
			runOnce(t, scopeHost{scope}, src, sink)
			assert.Equal(t, tt.wantRuns, src.runs.Load())
			assert.Equal(t, tt.wantScopes, scopes(sink.AllLogs()))
			assert.Empty(t, scope.answers, "every scripted answer used")
			if tt.check != nil {
				tt.check(t, scope.turns)
			}
		})
	}
}

// Without a ClusterScope on the host (local default) a cluster-scoped
// source collects like a node-scoped one.
func TestClusterScopeWithoutCoordinatorCollectsLocally(t *testing.T) {
	src := &countingSource{}
	sink := new(consumertest.LogsSink)
	runOnce(t, scopeHost{nil}, src, sink)
	assert.EqualValues(t, 1, src.runs.Load())
	assert.Equal(t, []string{""}, scopes(sink.AllLogs()))
}

// failingSink keeps what it is given and answers err.
type failingSink struct {
	consumertest.LogsSink
	err error
}

func (s *failingSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	_ = s.LogsSink.ConsumeLogs(ctx, ld)
	return s.err
}

// A collection interrupted by shutdown is partial: it is neither
// delivered nor recorded complete, so another collector collects it whole.
func TestClusterCollectionCutByShutdownIsNotCompleted(t *testing.T) {
	scope := &scopeFixture{answers: []error{nil}}
	src := &blockingSource{started: make(chan struct{})}
	sink := new(consumertest.LogsSink)
	r := NewLogsReceiver(receivertest.NewNopSettings(component.MustNewType("fixture")), &testConfig{},
		Schedule{Scope: ScopeCluster}, func() Source { return src }, sink, NewTracker())
	require.NoError(t, r.Start(context.Background(), scopeHost{scope}))
	<-src.started
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Zero(t, sink.LogRecordCount())
	require.Len(t, scope.turns, 1)
	assert.True(t, scope.turns[0].abandoned)
	assert.False(t, scope.turns[0].gaveUp)
	assert.False(t, scope.turns[0].completed)
}

// blockingSource is a fixture that collects until its context ends.
type blockingSource struct{ started chan struct{} }

func (*blockingSource) Check() error { return nil }

func (s *blockingSource) Collect(ctx context.Context) Snapshot {
	close(s.started)
	<-ctx.Done()
	return (&countingSource{}).Collect(ctx)
}

// A periodic cluster-scoped source (systemperf with collection_interval)
// is not coordinated: every collector repeats it, unmarked.
func TestPeriodicClusterScopedSourceIsNotCoordinated(t *testing.T) {
	scope := &scopeFixture{} // any Acquire would panic: no answers
	src := &countingSource{}
	sink := new(consumertest.LogsSink)
	r := NewLogsReceiver(receivertest.NewNopSettings(component.MustNewType("fixture")), &testConfig{},
		Schedule{Scope: ScopeCluster, Interval: time.Millisecond}, func() Source { return src }, sink, NewTracker())
	require.NoError(t, r.Start(context.Background(), scopeHost{scope}))
	require.Eventually(t, func() bool { return src.runs.Load() >= 2 }, 10*time.Second, time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	for _, s := range scopes(sink.AllLogs()) {
		assert.Empty(t, s)
	}
}
