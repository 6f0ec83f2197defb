package periscopeexporter

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
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
	assert.Equal(t, []string{"r1"}, run.marked, "recorded as completed once")
	assert.Len(t, tracker.Outputs(), 1, "one node run, named once in the summary")
}

// With publish_interval a node run that received records after its run
// was published is published again without waiting for shutdown (a
// DaemonSet reaches shutdown only at the next run ID), logged as updated;
// one that received nothing is left alone.
func TestPublishIntervalPublishesLaterRecords(t *testing.T) {
	dir := t.TempDir()
	e, collection, logs := startWithPublishInterval(t, dir, nil)

	ld, sl := newRun("r1", "a")
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("first"), now)
	appendLine(sl, "networkoutbound", "connectivity.log", "probe 1")
	ld2, sl2 := newRun("r1", "b")
	layout.AppendDocument(sl2, "dns", "virtualmachine", []byte("quiet"), now)
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	require.NoError(t, e.consumeLogs(context.Background(), ld2))
	collection.Done()
	zipA, zipB := filepath.Join(dir, "r1/a/a.zip"), filepath.Join(dir, "r1/b/b.zip")
	require.Eventually(t, func() bool { return fileExists(zipA) && fileExists(zipB) }, 10*time.Second, 5*time.Millisecond)
	quiet, err := os.Stat(zipB)
	require.NoError(t, err)

	ld, sl = newRun("r1", "a")
	appendLine(sl, "networkoutbound", "connectivity.log", "probe 2")
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	require.Eventually(t, func() bool {
		return zipEntries(t, zipA)["networkoutbound/connectivity.log"] == "probe 1\nprobe 2\n"
	}, 10*time.Second, 5*time.Millisecond, "the later probe published without a shutdown")
	e.mu.Lock() // no publish runs while status.json and the log are read
	st, err := publish.ReadStatus(filepath.Join(dir, "r1/a"))
	require.NoError(t, err)
	assert.True(t, st.Delivered)
	assert.Contains(t, st.Items, publish.Item{Name: "connectivity.log", Collector: "networkoutbound", Bytes: int64(len("probe 1\nprobe 2\n"))})
	updated := logs.FilterMessage("Periscope run updated").All()
	written := logs.FilterMessage("Periscope run written").Len()
	e.mu.Unlock()
	require.NotEmpty(t, updated)
	for _, entry := range updated {
		assert.Equal(t, "a", entry.ContextMap()["node"], "only the node run that changed is published again")
	}
	assert.Equal(t, 2, written, "each node run written once, then updated")
	again, err := os.Stat(zipB)
	require.NoError(t, err)
	assert.Equal(t, quiet.ModTime(), again.ModTime(), "a node run without new records is not rewritten")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// expiringStoreFixture is a test fixture Store: it copies uploads into a
// directory and says its credential expires at a given time, as a SAS does.
type expiringStoreFixture struct {
	root    string
	expiry  atomic.Int64 // Unix nanoseconds
	uploads atomic.Int64
}

func (s *expiringStoreFixture) Upload(_ context.Context, name, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	target := filepath.Join(s.root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	s.uploads.Add(1)
	return os.WriteFile(target, data, 0o644)
}

func (s *expiringStoreFixture) Where() string               { return "fixture:" + s.root }
func (s *expiringStoreFixture) CredentialExpiry() time.Time { return time.Unix(0, s.expiry.Load()) }

// Once the SAS has expired, periodic updates stop, saying so once, instead
// of turning the delivered run's record into a failure at every tick.
func TestPublishIntervalStopsWhenTheSASExpired(t *testing.T) {
	dir := t.TempDir()
	store := &expiringStoreFixture{root: t.TempDir()}
	store.expiry.Store(time.Now().Add(time.Hour).UnixNano())
	e, collection, logs := startWithPublishInterval(t, dir, store)

	ld, sl := newRun("r1", "a")
	appendLine(sl, "networkoutbound", "connectivity.log", "probe 1")
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	collection.Done()
	require.Eventually(t, func() bool { return fileExists(filepath.Join(store.root, "r1/a/status.json")) }, 10*time.Second, 5*time.Millisecond)

	e.mu.Lock()
	store.expiry.Store(time.Now().Add(-time.Second).UnixNano())
	uploads := store.uploads.Load()
	e.mu.Unlock()
	ld, sl = newRun("r1", "a")
	appendLine(sl, "networkoutbound", "connectivity.log", "probe 2")
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	require.Eventually(t, func() bool {
		return logs.FilterMessageSnippet("Periodic updates stopped: the SAS token expired at").Len() == 1
	}, 10*time.Second, 5*time.Millisecond)

	assert.Equal(t, uploads, store.uploads.Load(), "nothing tried with the expired token")
	st, err := publish.ReadStatus(filepath.Join(dir, "r1/a"))
	require.NoError(t, err)
	assert.True(t, st.Delivered, "the run stays as delivered")
	assert.Empty(t, st.Errors)
	assert.Equal(t, "probe 1\nprobe 2\n", readFileString(t, filepath.Join(dir, "r1/a/connectivity.log")), "later records kept in the spool")
}

func readFileString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// startWithPublishInterval starts an exporter into dir (publishing to store
// when not nil) with a short publish_interval, for run r1 of a tracker
// expecting one collection, which the test ends.
func startWithPublishInterval(t *testing.T, dir string, store publish.Store) (*layoutExporter, *runcontrol.Collection, *observer.ObservedLogs) {
	t.Helper()
	tracker := runcontrol.NewTracker()
	collection := tracker.Expect(component.MustNewID("dns_config"))
	core, logs := observer.New(zap.InfoLevel)
	cfg := &Config{Local: LocalConfig{Directory: dir}, PublishInterval: 10 * time.Millisecond}
	e, err := newLayoutExporter(cfg, zap.New(core), tracker)
	require.NoError(t, err)
	if store != nil {
		e.publisher = publish.New(store)
	}
	require.NoError(t, e.start(context.Background(), hostWithRun{&runFixture{id: "r1"}}))
	t.Cleanup(func() { _ = e.shutdown(context.Background()) })
	return e, collection, logs
}
