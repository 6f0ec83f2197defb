package nodelogsreceiver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/nodefile"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

func attr(m pcommon.Map, k string) string {
	v, ok := m.Get(k)
	if !ok {
		return ""
	}
	return v.AsString()
}

// Missing files and directories fail only their own item.
func TestInventory(t *testing.T) {
	tracker := runcontrol.NewTracker()
	c := tracker.Expect(component.MustNewID("node_logs"))
	in := newInventory(&Config{RootPath: "testdata/noderoot", Mode: nodefile.ModeRecords, Files: []string{
		"/var/log/cloud-init.log", "/var/log/azure/cluster-provision.log", "/var/log/adir",
	}}, tracker)
	require.NoError(t, in.Check())

	lrs := in.Collect(context.Background()).Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 2, lrs.Len())
	missing, dir := lrs.At(0).Attributes(), lrs.At(1).Attributes()
	assert.Equal(t, "var_log_azure_cluster-provision.log", attr(missing, layout.AttrItemKey))
	assert.Equal(t, "nodelogs", attr(missing, layout.AttrCollector))
	assert.Equal(t, "error", attr(missing, layout.AttrItemKind))
	assert.Contains(t, attr(missing, layout.AttrError), "node log /var/log/azure/cluster-provision.log:")
	assert.Contains(t, attr(missing, layout.AttrError), "no such file or directory")
	assert.Equal(t, "var_log_adir", attr(dir, layout.AttrItemKey))
	assert.Equal(t, "node log /var/log/adir: not a regular file (a directory)", attr(dir, layout.AttrError))

	c.Done()
	assert.Empty(t, tracker.Pending(), "the collection is whole when Collect and CollectBatches returned")
}

// In copy mode (the default) a present file is one record naming the file
// to copy, its node path, its size at the run's start and the path filelog
// would tail it under; nothing waits on a stream.
func TestCopyModeNamesEachFile(t *testing.T) {
	tracker := runcontrol.NewTracker()
	c := tracker.Expect(component.MustNewID("node_logs"))
	cfg := createDefaultConfig().(*Config)
	cfg.RootPath, cfg.Files = "testdata/noderoot", []string{"/var/log/cloud-init.log", "/var/log/azure/cluster-provision.log"}
	in := newInventory(cfg, tracker)
	lrs := in.Collect(context.Background()).Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 2, lrs.Len())
	file := lrs.At(0).Attributes()
	assert.Equal(t, "file", attr(file, layout.AttrItemKind))
	assert.Equal(t, "var_log_cloud-init.log", attr(file, layout.AttrItemKey))
	assert.Equal(t, "/var/log/cloud-init.log", attr(file, layout.AttrSourcePath))
	assert.Equal(t, "testdata/noderoot/var/log/cloud-init.log", attr(file, layout.AttrFilePath))
	snap, err := layout.FileOf(file)
	require.NoError(t, err)
	assert.Equal(t, "testdata/noderoot/var/log/cloud-init.log", snap.Path)
	assert.Equal(t, int64(66), snap.Size)
	assert.NotEmpty(t, snap.ID, "identity checked on Linux")
	assert.Equal(t, "error", attr(lrs.At(1).Attributes(), layout.AttrItemKind))
	c.Done()
	assert.Empty(t, tracker.Pending())
}

func TestValidate(t *testing.T) {
	ok := &Config{RootPath: "/", Files: []string{"/var/log/a.log", `C:\AzureData\CustomDataSetupScript.log`, `"/var/log/b.log`}}
	assert.NoError(t, ok.Validate(), "a bad entry is reported at collection, not a config error")
	assert.EqualError(t, (&Config{}).Validate(), "root_path must not be empty")
}

// A relative entry (what a stray quote leaves) fails only its own item.
func TestRelativeEntryFailsOnlyItsItem(t *testing.T) {
	tracker := runcontrol.NewTracker()
	in := newInventory(&Config{RootPath: "testdata/noderoot", Mode: nodefile.ModeRecords, Files: []string{`"/var/log/b.log`, "/var/log/cloud-init.log"}}, tracker)
	lrs := in.Collect(context.Background()).Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 1, lrs.Len())
	a := lrs.At(0).Attributes()
	assert.Equal(t, `"_var_log_b.log`, attr(a, layout.AttrItemKey))
	assert.Equal(t, `node log "\"/var/log/b.log" is not an absolute path (a stray quote or a relative path in the list): not collected`, attr(a, layout.AttrError))
}

// In records mode each file is read to its size at the run's start and
// sent as one record per line, in batches the pipeline takes one at a
// time; a file that shrank is an incomplete item after the lines read.
func TestRecordsModeSendsLinesInBatches(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "var/log"), 0o755))
	var content strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&content, "line %d\n", i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "var/log/big.log"), []byte(content.String()), 0o644))
	in := newInventory(&Config{RootPath: root, Mode: nodefile.ModeRecords, Files: []string{"/var/log/big.log"}}, runcontrol.NewTracker())
	require.Equal(t, 0, in.Collect(context.Background()).Logs.LogRecordCount(), "nothing but errors in the first snapshot")

	var batches []int
	var got strings.Builder
	in.CollectBatches(context.Background(), func(snap runcontrol.Snapshot) error {
		batches = append(batches, snap.Logs.LogRecordCount())
		lrs := snap.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := range lrs.Len() {
			a := lrs.At(i).Attributes()
			assert.Equal(t, "var_log_big.log", attr(a, layout.AttrItemKey))
			assert.Equal(t, "nodelogs", attr(a, layout.AttrCollector))
			got.WriteString(lrs.At(i).Body().Str() + "\n")
		}
		return nil
	})
	assert.Equal(t, []int{4096, 904}, batches)
	assert.Equal(t, content.String(), got.String())

	// The pipeline refuses a batch: the item is named incomplete.
	in.Collect(context.Background())
	var errs []string
	in.CollectBatches(context.Background(), func(snap runcontrol.Snapshot) error {
		a := snap.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
		if attr(a, layout.AttrItemKind) == "error" {
			assert.True(t, layout.IsIncomplete(a))
			errs = append(errs, attr(a, layout.AttrError))
			return nil
		}
		return errors.New("queue full")
	})
	assert.Equal(t, []string{"node log /var/log/big.log: queue full"}, errs)
}
