package containerlogsreceiver

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

func attr(m pcommon.Map, k string) string {
	v, _ := m.Get(k)
	return v.AsString()
}

func records(snap runcontrol.Snapshot) plog.LogRecordSlice {
	return snap.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
}

// A malformed entry fails only itself; the good ones are indexed and their
// files registered up to their last line (fixture node tree).
func TestInventoryOfFixtureNode(t *testing.T) {
	tracker := runcontrol.NewTracker()
	c := tracker.Expect(component.MustNewID("container_logs"))
	in := newInventory(&Config{RootPath: "testdata/noderoot", Selectors: []string{
		"kube-system/coredns", "a/b/c/d", "default", "missing-ns",
	}}, tracker)
	require.NoError(t, in.Check())

	lrs := records(in.Collect(context.Background()))
	require.Equal(t, 2, lrs.Len())
	bad := lrs.At(0).Attributes()
	assert.Equal(t, "error", attr(bad, layout.AttrItemKind))
	assert.Equal(t, "containerlogs", attr(bad, layout.AttrCollector))
	assert.Equal(t, "list", attr(bad, layout.AttrItemKey))
	assert.Contains(t, attr(bad, layout.AttrError), `container logs entry "a/b/c/d": want namespace or namespace/container-prefix`)

	index := lrs.At(1)
	assert.Equal(t, "containerlogs-index", attr(index.Attributes(), layout.AttrItemKey))
	assert.Equal(t, "kube-system/coredns: 2 file(s) under /var/log/pods\n"+
		"  kube-system_coredns-7d5f8_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/0.log\n"+
		"  kube-system_coredns-7d5f8_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/1.log\n"+
		"default: 2 file(s) under /var/log/pods\n"+
		"  default_web-1_11111111-2222-4333-8444-555555555555/web/0.log\n"+
		"  default_web-1_11111111-2222-4333-8444-555555555555/web/1.log\n"+
		"missing-ns: 0 file(s) under /var/log/pods\n", index.Body().Str())

	c.Done()
	pods := "testdata/noderoot/var/log/pods/"
	// The empty 1.log is not waited for; each other file up to its last record.
	assert.ElementsMatch(t, []string{
		pods + "kube-system_coredns-7d5f8_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/0.log (read 0 of 1 bytes)",
		pods + "kube-system_coredns-7d5f8_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/1.log (read 0 of 75 bytes)", // its last record is a split line
		pods + "default_web-1_11111111-2222-4333-8444-555555555555/web/0.log (read 0 of 38 bytes)",
	}, tracker.Pending())
}

func TestEmptyListIsExplained(t *testing.T) {
	in := newInventory(&Config{RootPath: "testdata/noderoot"}, runcontrol.NewTracker())
	lrs := records(in.Collect(context.Background()))
	require.Equal(t, 1, lrs.Len())
	assert.Equal(t, "DIAGNOSTIC_CONTAINERLOGS_LIST is empty: no container logs selected\n", lrs.At(0).Body().Str())
}

// A selected path that is not a regular file becomes that file's error
// item, keyed like its log would have been.
func TestUnreadableFileFailsOnlyItsItem(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "var/log/pods/ns_p_0a0a0a0a-0000-4000-8000-000000000000/c")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "0.log"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1.log"), []byte("x stdout F ok\n"), 0o644))
	tracker := runcontrol.NewTracker()
	lrs := records(newInventory(&Config{RootPath: root, Selectors: []string{"ns"}}, tracker).Collect(context.Background()))
	require.Equal(t, 2, lrs.Len())
	assert.Equal(t, "ns_p_c_0.log", attr(lrs.At(0).Attributes(), layout.AttrItemKey))
	assert.Contains(t, attr(lrs.At(0).Attributes(), layout.AttrError), "is not a regular file")
}

func TestLastRecordStart(t *testing.T) {
	tests := []struct {
		name, content string
		want          int64
	}{
		{"empty", "", 0},
		{"one line", "abc\n", 1},
		{"one line without newline", "abc", 1},
		{"two lines", "ab\ncd\n", 4},
		{"two lines, last unterminated", "ab\ncd", 4},
		{"CRI lines", "t stdout F a\nt stdout F b\n", 14},
		{"a split line: the record starts at its first part", "t stdout F a\nt stdout P b1\nt stdout P b2\nt stdout F b3\n", 14},
		{"a split line at the file start", "t stdout P a1\nt stdout F a2\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "0.log")
			require.NoError(t, os.WriteFile(f, []byte(tt.content), 0o644))
			got, err := lastRecordStart(f)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	// A last line longer than the window: the run waits up to the window.
	f := filepath.Join(t.TempDir(), "0.log")
	long := make([]byte, tailWindow+10)
	for i := range long {
		long[i] = 'x'
	}
	require.NoError(t, os.WriteFile(f, append([]byte("a\n"), long...), 0o644))
	got, err := lastRecordStart(f)
	require.NoError(t, err)
	assert.Equal(t, int64(2+10+1), got)
}

func TestValidate(t *testing.T) {
	assert.NoError(t, (&Config{RootPath: "/"}).Validate())
	assert.EqualError(t, (&Config{}).Validate(), "root_path must not be empty")
}

func TestNodeWithoutPodLogsIsExplained(t *testing.T) {
	lrs := records(newInventory(&Config{RootPath: t.TempDir(), Selectors: []string{"kube-system"}}, runcontrol.NewTracker()).Collect(context.Background()))
	require.Equal(t, 1, lrs.Len())
	a := lrs.At(0).Attributes()
	assert.Equal(t, "error", attr(a, layout.AttrItemKind))
	assert.Equal(t, "containerlogs-index", attr(a, layout.AttrItemKey))
	assert.Contains(t, attr(a, layout.AttrError), "container logs: the kubelet's /var/log/pods cannot be read")
	assert.Contains(t, attr(a, layout.AttrError), "no such file or directory")
}
