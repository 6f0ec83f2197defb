package periscopeexporter

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// runFixture is a test fixture standing in for the periscope_run extension.
type runFixture struct {
	id     string
	marked []string
}

func (r *runFixture) Start(context.Context, component.Host) error { return nil }
func (r *runFixture) Shutdown(context.Context) error              { return nil }
func (r *runFixture) ID() string                                  { return r.id }
func (r *runFixture) Completed() bool                             { return false }
func (r *runFixture) MarkCompleted(id string) error {
	r.marked = append(r.marked, id)
	return nil
}

type hostWithRun struct{ run *runFixture }

func (h hostWithRun) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{component.MustNewID("periscope_run"): h.run}
}

// The node zip is written as soon as the run's collections are done (not
// only at shutdown, which a DaemonSet reaches at the next run ID), the run
// is recorded as completed, and records arriving later are zipped again at
// shutdown.
func TestNodeRunFinishesWhenCollectionsAreDone(t *testing.T) {
	dir := t.TempDir()
	tracker := runcontrol.NewTracker()
	collection := tracker.Expect(component.MustNewID("dns_config"))
	run := &runFixture{id: "r1"}
	e, err := newLayoutExporter(&Config{Local: LocalConfig{Directory: dir}}, zap.NewNop(), tracker)
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), hostWithRun{run}))

	ld, sl := newRun("r1", "a")
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("first"), now)
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	zipPath := filepath.Join(dir, "r1/a/a.zip")
	assert.NoFileExists(t, zipPath, "collections still running")

	collection.Done()
	require.Eventually(t, func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return len(run.marked) == 1
	}, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, map[string]string{"dns/virtualmachine": "first"}, zipEntries(t, zipPath))

	ld, sl = newRun("r1", "a")
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("later"), now)
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	require.NoError(t, e.shutdown(context.Background()))
	assert.Equal(t, map[string]string{"dns/virtualmachine": "later"}, zipEntries(t, zipPath))
	assert.Equal(t, []string{"r1", "r1"}, run.marked)
	assert.Len(t, tracker.Outputs(), 1, "one node run, named once in the summary")
}
