package nodelogsreceiver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

func attr(m pcommon.Map, k string) string {
	v, _ := m.Get(k)
	return v.AsString()
}

// Missing files and directories fail only their own item; present files
// are registered with their size for filelog to reach.
func TestInventory(t *testing.T) {
	tracker := runcontrol.NewTracker()
	c := tracker.Expect(component.MustNewID("node_logs"))
	in := newInventory(&Config{RootPath: "testdata/noderoot", Files: []string{
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
	assert.Contains(t, attr(dir, layout.AttrError), "node log /var/log/adir is not a regular file")

	c.Done()
	assert.Equal(t, []string{"testdata/noderoot/var/log/cloud-init.log (read 0 of 66 bytes)"}, tracker.Pending())
}

func TestValidate(t *testing.T) {
	ok := &Config{RootPath: "/", Files: []string{"/var/log/a.log", `C:\AzureData\CustomDataSetupScript.log`, `"/var/log/b.log`}}
	assert.NoError(t, ok.Validate(), "a bad entry is reported at collection, not a config error")
	assert.EqualError(t, (&Config{}).Validate(), "root_path must not be empty")
}

// A relative entry (what a stray quote leaves) fails only its own item.
func TestRelativeEntryFailsOnlyItsItem(t *testing.T) {
	tracker := runcontrol.NewTracker()
	in := newInventory(&Config{RootPath: "testdata/noderoot", Files: []string{`"/var/log/b.log`, "/var/log/cloud-init.log"}}, tracker)
	lrs := in.Collect(context.Background()).Logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 1, lrs.Len())
	a := lrs.At(0).Attributes()
	assert.Equal(t, `"_var_log_b.log`, attr(a, layout.AttrItemKey))
	assert.Equal(t, `node log "\"/var/log/b.log" is not an absolute path (a stray quote or a relative path in the list): not collected`, attr(a, layout.AttrError))
	assert.Equal(t, []string{"testdata/noderoot/var/log/cloud-init.log (read 0 of 66 bytes)"}, tracker.Pending())
}
