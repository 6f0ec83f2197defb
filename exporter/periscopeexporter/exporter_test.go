package periscopeexporter

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/metadata"
	"github.com/periscope-otel/periscope/exporter/periscopeexporter/internal/publish"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// newRun returns logs for one node of one run, stamped as the pipeline's
// resource processor stamps them.
func newRun(runID, node string) (plog.Logs, plog.ScopeLogs) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(layout.AttrRunID, runID)
	rl.Resource().Attributes().PutStr(layout.AttrNodeName, node)
	return ld, rl.ScopeLogs().AppendEmpty()
}

func appendLine(sl plog.ScopeLogs, collector, key, line string) {
	lr := sl.LogRecords().AppendEmpty()
	lr.Attributes().PutStr(layout.AttrCollector, collector)
	lr.Attributes().PutStr(layout.AttrItemKey, key)
	lr.Body().SetStr(line)
}

func zipEntries(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	entries := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		entries[f.Name] = string(data)
	}
	return entries
}

func newTestExporter(t *testing.T, dir string) (*layoutExporter, *runcontrol.Tracker) {
	t.Helper()
	tracker := runcontrol.NewTracker()
	e, err := newLayoutExporter(&Config{Local: LocalConfig{Directory: dir}}, zap.NewNop(), tracker)
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	return e, tracker
}

func TestWritesDocumentsLinesAndErrorsInTheLayout(t *testing.T) {
	dir := t.TempDir()
	e, tracker := newTestExporter(t, dir)

	ld, sl := newRun("2026-11-28T12-00-00Z", "node-a")
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("nameserver 168.63.129.16\n"), now)
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("nameserver 10.0.0.10\n"), now) // a newer snapshot replaces
	appendLine(sl, "nodelogs", "var_log_cloud-init.log", "first line")
	appendLine(sl, "nodelogs", "var_log_cloud-init.log", "second line")
	layout.AppendError(sl, "kubeletcmd", "kubeletcmd", errors.New("no kubelet process"), now)
	layout.AppendDocument(sl, "bin", "blob", []byte{0, 0xff}, now)
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	require.NoError(t, e.shutdown(context.Background()))

	nodeDir := filepath.Join(dir, "2026-11-28T12-00-00Z", "node-a")
	files, err := os.ReadDir(nodeDir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	assert.Equal(t, []string{"blob", "node-a.zip", "periscope-errors.log", "status.json", "var_log_cloud-init.log", "virtualmachine"}, names, "no temporary files left")

	want := map[string]string{
		"dns/virtualmachine":              "nameserver 10.0.0.10\n",
		"nodelogs/var_log_cloud-init.log": "first line\nsecond line\n",
		"periscope/periscope-errors.log":  "kubeletcmd/kubeletcmd: no kubelet process\n",
		"bin/blob":                        "\x00\xff",
	}
	assert.Equal(t, want, zipEntries(t, filepath.Join(nodeDir, "node-a.zip")))
	for entry, content := range want {
		got, err := os.ReadFile(filepath.Join(nodeDir, filepath.Base(entry)))
		require.NoError(t, err)
		assert.Equal(t, content, string(got), entry)
	}
	assert.NoError(t, tracker.DeliveryFailures())
	assert.Len(t, tracker.Outputs(), 1)
}

func TestEveryNodeRunGetsItsOwnTreeAndZip(t *testing.T) {
	dir := t.TempDir()
	e, _ := newTestExporter(t, dir)
	for _, run := range []struct{ id, node string }{{"r1", "a"}, {"r1", "b"}, {"r2", "a"}} {
		ld, sl := newRun(run.id, run.node)
		layout.AppendDocument(sl, "dns", "virtualmachine", []byte(run.id+run.node), now)
		require.NoError(t, e.consumeLogs(context.Background(), ld))
	}
	require.NoError(t, e.shutdown(context.Background()))
	for _, p := range []string{"r1/a/virtualmachine", "r1/a/a.zip", "r1/b/virtualmachine", "r1/b/b.zip", "r2/a/virtualmachine", "r2/a/a.zip"} {
		assert.FileExists(t, filepath.Join(dir, p))
	}
	assert.Equal(t, map[string]string{"dns/virtualmachine": "r2a"}, zipEntries(t, filepath.Join(dir, "r2/a/a.zip")))
}

// Records that cannot be placed are refused with the reason, counted once
// per cause, while every placeable record of the batch is still written.
func TestUnplaceableRecordsAreNamedAndTheRestIsWritten(t *testing.T) {
	dir := t.TempDir()
	e, tracker := newTestExporter(t, dir)

	ld, sl := newRun("r1", "a")
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("ok"), now)
	appendLine(sl, "", "nokey-collector", "x")
	appendLine(sl, "", "nokey-collector", "y")
	appendLine(sl, "x", "../escape", "z")
	appendLine(sl, "other", "virtualmachine", "clash")
	bad := sl.LogRecords().AppendEmpty()
	bad.Attributes().PutStr(layout.AttrCollector, "c")
	bad.Attributes().PutStr(layout.AttrItemKey, "k")
	bad.Attributes().PutStr(layout.AttrItemKind, "stream")

	err := e.consumeLogs(context.Background(), ld)
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err))
	assert.ErrorContains(t, err, "record cannot be placed in the layout: periscope.collector is empty (2 records)")
	assert.ErrorContains(t, err, `periscope.item.key "../escape" contains a path separator (1 records)`)
	assert.ErrorContains(t, err, `item key "virtualmachine" of collector "other" is already used by collector "dns" (1 records)`)
	assert.ErrorContains(t, err, `unknown periscope.item.kind "stream"`)
	assert.Equal(t, err.Error()[len("Permanent error: "):], tracker.DeliveryFailures().Error())

	require.NoError(t, e.shutdown(context.Background()))
	assert.Equal(t, map[string]string{"dns/virtualmachine": "ok"}, zipEntries(t, filepath.Join(dir, "r1/a/a.zip")))
}

func TestStartNamesAnUnusableDirectory(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	e, err := newLayoutExporter(&Config{Local: LocalConfig{Directory: filepath.Join(blocker, "out")}}, zap.NewNop(), runcontrol.NewTracker())
	require.NoError(t, err)
	err = e.start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `output directory "`+filepath.Join(blocker, "out")+`" cannot be created`)
}

// The exporter as the collector runs it: factory, exporterhelper, lifecycle.
func TestFactoryLifecycle(t *testing.T) {
	dir := t.TempDir()
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Local.Directory = dir
	require.NoError(t, cfg.Validate())
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	ld, sl := newRun("r1", "a")
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("x"), now)
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Equal(t, map[string]string{"dns/virtualmachine": "x"}, zipEntries(t, filepath.Join(dir, "r1/a/a.zip")))
}

func TestConfigValidate(t *testing.T) {
	assert.EqualError(t, (&Config{}).Validate(), "local.directory must not be empty")
}

// Lines from filelog carry no item key: it follows from the node path.
func TestFilelogLinesAreKeyedByNodePath(t *testing.T) {
	dir := t.TempDir()
	e, tracker := newTestExporter(t, dir)
	c := tracker.Expect(component.MustNewID("node_logs"))
	c.Done()

	ld, sl := newRun("r1", "a")
	for i, line := range []string{"hello", "world"} {
		lr := sl.LogRecords().AppendEmpty()
		lr.Body().SetStr(line)
		lr.Attributes().PutStr(layout.AttrCollector, "nodelogs")
		lr.Attributes().PutStr(layout.AttrFilePath, "/hostroot/var/log/cloud-init.log")
		lr.Attributes().PutStr(layout.AttrRootPath, "/hostroot")
		lr.Attributes().PutInt(layout.AttrFileRecordOffset, int64(i*6))
	}
	require.NoError(t, e.consumeLogs(context.Background(), ld))
	select {
	case <-tracker.Finished():
	case <-time.After(10 * time.Second):
		t.Fatalf("stream never complete: %v", tracker.Pending())
	}
	require.NoError(t, e.shutdown(context.Background()))
	assert.Equal(t, map[string]string{"nodelogs/var_log_cloud-init.log": "hello\nworld\n"}, zipEntries(t, filepath.Join(dir, "r1/a/a.zip")))
}

// The local backend records each node run in status.json too: delivered,
// items with their sizes, and the collection errors.
func TestLocalNodeRunGetsItsDeliveryRecord(t *testing.T) {
	dir := t.TempDir()
	e, _ := newTestExporter(t, dir)
	ld, sl := newRun("r1", "a")
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte("nameserver 10.0.0.10\n"), now)
	layout.AppendError(sl, "kubeletcmd", "kubeletcmd", errors.New("no kubelet process"), now)
	layout.AppendDocument(sl, "x", layout.StatusKey, []byte("not an item"), now)
	err := e.consumeLogs(context.Background(), ld)
	assert.ErrorContains(t, err, `item key "status.json" is reserved for the delivery record`)
	require.NoError(t, e.shutdown(context.Background()))

	st, err := publish.ReadStatus(filepath.Join(dir, "r1", "a"))
	require.NoError(t, err)
	assert.True(t, st.Delivered)
	assert.Equal(t, []string{"dns", "periscope"}, st.Collectors)
	assert.Equal(t, []publish.Item{
		{Name: "periscope-errors.log", Collector: "periscope", Bytes: int64(len("kubeletcmd/kubeletcmd: no kubelet process\n"))},
		{Name: "virtualmachine", Collector: "dns", Bytes: 21},
	}, st.Items)
	assert.Equal(t, []publish.Error{{Stage: publish.StageCollection, Message: "kubeletcmd/kubeletcmd: no kubelet process"}}, st.Errors)
	assert.False(t, st.Started.After(st.Finished))
	assert.NoFileExists(t, filepath.Join(dir, "r1", "a", publish.PendingMarker), "the local backend never leaves a run pending")
}
