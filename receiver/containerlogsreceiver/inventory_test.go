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

func records(snap runcontrol.Snapshot) plog.LogRecordSlice {
	return snap.Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
}

// A malformed entry fails only itself; the good ones are indexed and their
// files registered up to their last line (fixture node tree).
func TestInventoryOfFixtureNode(t *testing.T) {
	tracker := runcontrol.NewTracker()
	c := tracker.Expect(component.MustNewID("container_logs"))
	in := newInventory(&Config{RootPath: "testdata/noderoot", Mode: nodefile.ModeRecords, Selectors: []string{
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

	// Records mode: each file's lines as the container parser gives them,
	// stamped with their item.
	bodies := map[string][]string{}
	in.CollectBatches(context.Background(), func(snap runcontrol.Snapshot) error {
		rls := snap.Logs.ResourceLogs()
		for i := range rls.Len() {
			lrs := rls.At(i).ScopeLogs().At(0).LogRecords()
			for j := range lrs.Len() {
				a := lrs.At(j).Attributes()
				assert.Equal(t, "containerlogs", attr(a, layout.AttrCollector))
				key := attr(a, layout.AttrItemKey)
				bodies[key] = append(bodies[key], lrs.At(j).Body().AsString())
			}
		}
		return nil
	})
	c.Done()
	assert.Empty(t, tracker.Pending(), "nothing waits once the batches are delivered")
	assert.Equal(t, map[string][]string{
		"kube-system_coredns-7d5f8_coredns_0.log": {"coredns 1.11 starting (attempt 0)"},
		"kube-system_coredns-7d5f8_coredns_1.log": {"coredns 1.11 starting (attempt 1)",
			"[ERROR] plugin/errors: 2 example.com. A: read udp 10.244.0.5:40012->168.63.129.16:53: i/o timeout"}, // a split line joined
		"default_web-1_web_0.log": {"web up", "web serving"},
	}, bodies)
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
	lrs := records(newInventory(&Config{RootPath: root, Mode: nodefile.ModeRecords, Selectors: []string{"ns"}}, tracker).Collect(context.Background()))
	require.Equal(t, 2, lrs.Len())
	assert.Equal(t, "ns_p_c_0.log", attr(lrs.At(0).Attributes(), layout.AttrItemKey))
	assert.Contains(t, attr(lrs.At(0).Attributes(), layout.AttrError), "0.log: not a regular file (a directory)")
}

func TestValidate(t *testing.T) {
	assert.NoError(t, (&Config{RootPath: "/"}).Validate())
	assert.EqualError(t, (&Config{}).Validate(), "root_path must not be empty")
	assert.EqualError(t, (&Config{RootPath: "/", Mode: "stream"}).Validate(),
		`mode "stream": want "copy" (the exporter copies each file) or "records" (one record per line)`)
	assert.EqualError(t, (&Config{RootPath: "/", MaxBytesPerContainer: -1}).Validate(),
		"max_bytes_per_container -1: must be 0 (no bound) or more")
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
