package periscopeexporter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// A spool of five runs, oldest first; one old run still pending delivery.
func spoolFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"run-a", "run-b", "run-c", "run-d", "run-e"} {
		node := filepath.Join(dir, id, "node-1")
		require.NoError(t, os.MkdirAll(node, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(node, "virtualmachine"), []byte("nameserver 168.63.129.16\n"), 0o644))
		if id == "run-b" {
			require.NoError(t, os.WriteFile(filepath.Join(node, publish.PendingMarker), nil, 0o644))
		}
		mod := base.Add(time.Duration(i) * time.Hour)
		require.NoError(t, os.Chtimes(filepath.Join(dir, id), mod, mod))
	}
	return dir
}

func runsIn(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.Name())
	}
	return ids
}

func TestPruneRunsKeepsNewestPendingAndCurrent(t *testing.T) {
	dir := spoolFixture(t)
	// run-a is the current run although oldest (a run ID reused after
	// newer ones): it stays, as do the two newest and the pending run-b.
	removed, err := pruneRuns(dir, 2, "run-a")
	require.NoError(t, err)
	assert.Equal(t, []string{"run-c"}, removed)
	assert.Equal(t, []string{"run-a", "run-b", "run-d", "run-e"}, runsIn(t, dir))
}

func TestPruneRunsOrdersByTimeNotName(t *testing.T) {
	dir := spoolFixture(t)
	newest := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "run-a"), newest, newest))
	removed, err := pruneRuns(dir, 1, "run-a")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"run-c", "run-d", "run-e"}, removed)
	assert.Equal(t, []string{"run-a", "run-b"}, runsIn(t, dir))
}

func TestPruneRunsMissingSpoolIsNamed(t *testing.T) {
	_, err := pruneRuns(filepath.Join(t.TempDir(), "nowhere"), 1, "x")
	assert.ErrorContains(t, err, "read spool")
	assert.ErrorContains(t, err, "nowhere")
}

// Through the exporter: with retain_runs 1, delivering run r2 removes r1's
// folder; without it (0) every run stays.
func TestDeliveredRunPrunesTheSpool(t *testing.T) {
	for _, tt := range []struct {
		retain int
		want   []string
	}{{retain: 1, want: []string{"r2"}}, {retain: 0, want: []string{"r1", "r2"}}} {
		dir := t.TempDir()
		for _, id := range []string{"r1", "r2"} {
			e, err := newLayoutExporter(&Config{Local: LocalConfig{Directory: dir, RetainRuns: tt.retain}}, zap.NewNop(), runcontrol.NewTracker())
			require.NoError(t, err)
			require.NoError(t, e.start(context.Background(), hostWithRun{&runFixture{id: id}}))
			ld, sl := newRun(id, "a")
			layout.AppendDocument(sl, "dns", "virtualmachine", []byte(id), now)
			require.NoError(t, e.consumeLogs(context.Background(), ld))
			require.NoError(t, e.shutdown(context.Background()))
			// Modification times one second apart, whatever the file system's resolution.
			old := time.Now().Add(-time.Hour)
			require.NoError(t, os.Chtimes(filepath.Join(dir, id), old, old))
		}
		assert.Equal(t, tt.want, runsIn(t, dir), "retain_runs %d", tt.retain)
	}
}
