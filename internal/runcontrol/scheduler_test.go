package runcontrol

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// countingSource is a test fixture: each collection yields one log record
// and one gauge point, and counts how often it ran.
type countingSource struct {
	runs     atomic.Int32
	checkErr error
}

func (s *countingSource) Check() error { return s.checkErr }

func (s *countingSource) Collect(context.Context) Snapshot {
	s.runs.Add(1)
	snap := NewSnapshot()
	snap.Logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("x")
	m := snap.Metrics.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("g")
	m.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	return snap
}

type testConfig struct{}

func TestOneCollectionFeedsBothSignalsOnce(t *testing.T) {
	tracker := NewTracker()
	src := &countingSource{}
	cfg := &testConfig{}
	set := receivertest.NewNopSettings(component.MustNewType("fixture"))
	logsSink, metricsSink := new(consumertest.LogsSink), new(consumertest.MetricsSink)
	newSource := func() Source { return src }

	lr := NewLogsReceiver(set, cfg, Schedule{}, newSource, logsSink, tracker)
	mr := NewMetricsReceiver(set, cfg, Schedule{}, newSource, metricsSink, tracker)
	assert.Equal(t, 1, tracker.Expected(), "one component, one expected collection")

	host := componenttest.NewNopHost()
	require.NoError(t, lr.Start(context.Background(), host))
	require.NoError(t, mr.Start(context.Background(), host))
	select {
	case <-tracker.Finished():
	case <-time.After(10 * time.Second):
		t.Fatal("collection never finished")
	}
	require.NoError(t, lr.Shutdown(context.Background()))
	require.NoError(t, mr.Shutdown(context.Background()))

	assert.EqualValues(t, 1, src.runs.Load())
	assert.Equal(t, 1, logsSink.LogRecordCount())
	assert.Equal(t, 1, metricsSink.DataPointCount())
}

func TestIntervalRepeatsUntilShutdown(t *testing.T) {
	src := &countingSource{}
	sink := new(consumertest.LogsSink)
	r := NewLogsReceiver(receivertest.NewNopSettings(component.MustNewType("fixture")), &testConfig{},
		Schedule{Interval: time.Millisecond}, func() Source { return src }, sink, NewTracker())
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return src.runs.Load() >= 3 }, 10*time.Second, time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	after := src.runs.Load()
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, after, src.runs.Load(), "no collection after shutdown")
}

func TestFailedCheckStopsStartAndReleasesTheRun(t *testing.T) {
	tracker := NewTracker()
	src := &countingSource{checkErr: errors.New(`root_path "/nope": no such file`)}
	r := NewLogsReceiver(receivertest.NewNopSettings(component.MustNewType("fixture")), &testConfig{},
		Schedule{}, func() Source { return src }, new(consumertest.LogsSink), tracker)
	assert.EqualError(t, r.Start(context.Background(), componenttest.NewNopHost()), `root_path "/nope": no such file`)
	require.NoError(t, r.Shutdown(context.Background()))
	assert.True(t, isClosed(tracker.Finished()))
	assert.Zero(t, src.runs.Load())
}
