package publish

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	started  = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	finished = started.Add(time.Minute)
)

// spooledRun writes a finished node run as the exporter leaves it: items,
// the errors item and the zip (its bytes stand in for an archive here).
func spooledRun(t testing.TB, root string) Run {
	t.Helper()
	dir := filepath.Join(root, "2026-11-28T12-00-00Z", "node-a")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	files := map[string]string{
		"virtualmachine":       "nameserver 168.63.129.16\n",
		"kubernetes":           "nameserver 10.0.0.10\n",
		"periscope-errors.log": "kubeletcmd/kubeletcmd: no kubelet process\nnodelogs/x: permission denied\n",
		"node-a.zip":           "PK fixture bytes",
	}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return Run{
		Dir: dir, RunID: "2026-11-28T12-00-00Z", Node: "node-a",
		Items:   map[string]string{"virtualmachine": "dns", "kubernetes": "dns", "periscope-errors.log": "periscope"},
		Started: started, Finished: finished,
	}
}

// dirStore is a Store into a local directory that remembers the order of
// uploads; failAt makes the upload of one name fail.
type dirStore struct {
	root   string
	failAt string
	failed error
	mu     sync.Mutex
	names  []string
}

func (s *dirStore) Upload(_ context.Context, name, file string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == s.failAt {
		return s.failed
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	target := filepath.Join(s.root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	s.names = append(s.names, name)
	return os.WriteFile(target, data, 0o644)
}

func (s *dirStore) Where() string { return "dir:" + s.root }

func TestPublishUploadsItemsThenZipThenStatus(t *testing.T) {
	run := spooledRun(t, t.TempDir())
	store := &dirStore{root: t.TempDir()}
	st, err := New(store).Publish(context.Background(), run)
	require.NoError(t, err)

	assert.Equal(t, []string{
		"2026-11-28T12-00-00Z/node-a/kubernetes",
		"2026-11-28T12-00-00Z/node-a/periscope-errors.log",
		"2026-11-28T12-00-00Z/node-a/virtualmachine",
		"2026-11-28T12-00-00Z/node-a/node-a.zip",
		"2026-11-28T12-00-00Z/node-a/status.json",
	}, store.names, "every item, then the zip, then the record")
	assert.NoFileExists(t, filepath.Join(run.Dir, PendingMarker), "a delivered run is not pending")

	assert.True(t, st.Delivered)
	assert.Equal(t, []string{"dns", "periscope"}, st.Collectors)
	assert.Equal(t, []Item{
		{Name: "kubernetes", Collector: "dns", Bytes: 21},
		{Name: "periscope-errors.log", Collector: "periscope", Bytes: 72},
		{Name: "virtualmachine", Collector: "dns", Bytes: 25},
	}, st.Items)
	assert.Equal(t, File{Name: "node-a.zip", Bytes: 16}, st.Zip)
	assert.Equal(t, int64(21+72+25+16), st.TotalBytes)
	assert.Equal(t, []Error{
		{Stage: StageCollection, Message: "kubeletcmd/kubeletcmd: no kubelet process"},
		{Stage: StageCollection, Message: "nodelogs/x: permission denied"},
	}, st.Errors)
	assert.Equal(t, started, st.Started)
	assert.Equal(t, finished, st.Finished)
	require.NotNil(t, st.Published)

	local, err := ReadStatus(run.Dir)
	require.NoError(t, err)
	uploaded, err := ReadStatus(filepath.Join(store.root, "2026-11-28T12-00-00Z", "node-a"))
	require.NoError(t, err)
	assert.Equal(t, st, local)
	assert.Equal(t, st, uploaded)
}

func TestLocalPublishWritesOnlyTheRecord(t *testing.T) {
	run := spooledRun(t, t.TempDir())
	p := New(nil)
	st, err := p.Publish(context.Background(), run)
	require.NoError(t, err)
	assert.True(t, st.Delivered)
	assert.NoFileExists(t, filepath.Join(run.Dir, PendingMarker))
	local, err := ReadStatus(run.Dir)
	require.NoError(t, err)
	assert.Equal(t, st, local)
	assert.Equal(t, run.Dir, p.Where(run.Dir, run.RunID, run.Node))
	pending, err := p.Pending(filepath.Dir(filepath.Dir(run.Dir)))
	require.NoError(t, err)
	assert.Empty(t, pending)
}

// A failed upload stops before the zip (which would tell VS Code the node
// is done), is recorded in both records, and leaves the run pending; the
// next start publishes it again and completes it.
func TestFailedDeliveryStaysPendingAndIsRepublished(t *testing.T) {
	spool := t.TempDir()
	run := spooledRun(t, spool)
	store := &dirStore{root: t.TempDir(), failAt: "2026-11-28T12-00-00Z/node-a/periscope-errors.log",
		failed: errors.New("upload periscope-errors.log: authentication failed")}
	_, err := New(store).Publish(context.Background(), run)
	require.EqualError(t, err, "upload periscope-errors.log: authentication failed")
	assert.Equal(t, []string{"2026-11-28T12-00-00Z/node-a/kubernetes", "2026-11-28T12-00-00Z/node-a/status.json"}, store.names,
		"no zip after a failed item; the record still goes out")
	assert.FileExists(t, filepath.Join(run.Dir, PendingMarker))
	local, err := ReadStatus(run.Dir)
	require.NoError(t, err)
	assert.False(t, local.Delivered)
	assert.Contains(t, local.Errors, Error{Stage: StageDelivery, Message: "upload periscope-errors.log: authentication failed"})

	// The next start: same spool, the destination works again.
	store.failAt = ""
	store.names = nil
	p := New(store)
	pending, err := p.Pending(spool)
	require.NoError(t, err)
	require.Equal(t, []string{run.Dir}, pending)
	st, err := p.Republish(context.Background(), pending[0])
	require.NoError(t, err)
	assert.True(t, st.Delivered)
	assert.Len(t, store.names, 5)
	assert.Equal(t, "2026-11-28T12-00-00Z/node-a/node-a.zip", store.names[3])
	assert.NotContains(t, st.Errors, Error{Stage: StageDelivery, Message: "upload periscope-errors.log: authentication failed"},
		"the record describes the latest attempt")
	assert.Len(t, st.Errors, 2, "collection errors stay")
	assert.NoFileExists(t, filepath.Join(run.Dir, PendingMarker))
	pending, err = p.Pending(spool)
	require.NoError(t, err)
	assert.Empty(t, pending)
}

// The record upload failing after the zip still counts as not delivered.
func TestFailedRecordUploadIsNotDelivered(t *testing.T) {
	run := spooledRun(t, t.TempDir())
	store := &dirStore{root: t.TempDir(), failAt: "2026-11-28T12-00-00Z/node-a/status.json", failed: errors.New("status refused")}
	st, err := New(store).Publish(context.Background(), run)
	require.EqualError(t, err, "status refused")
	assert.False(t, st.Delivered)
	assert.FileExists(t, filepath.Join(run.Dir, PendingMarker))
}

func TestRepublishNamesAnUnreadableRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r", "n")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "status.json"), []byte("{"), 0o644))
	_, err := New(&dirStore{root: t.TempDir()}).Republish(context.Background(), dir)
	assert.ErrorContains(t, err, "pending node run "+dir+": read "+filepath.Join(dir, "status.json"))
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// jsonString is s as it appears inside a JSON document.
func jsonString(t testing.TB, s string) string {
	t.Helper()
	data, err := json.Marshal(s)
	require.NoError(t, err)
	return strings.Trim(string(data), `"`)
}
