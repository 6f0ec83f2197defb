package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const runID = "2026-11-28T12-00-00Z"

// The embedded default against a fixture node root writes exactly the
// Periscope layout: the item, then the node zip holding <collector>/<key>.
func TestLocalDefaultWritesPeriscopeLayout(t *testing.T) {
	work := t.TempDir()
	root := fixture(t, "noderoot-azure")
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID":   runID,
		"HOST_NODE_NAME":      "aks-nodepool1-12345678-vmss000000",
		"PERISCOPE_ROOT_PATH": root,
	})
	require.Equal(t, 0, res.code, res.stderr)

	resolv := readFile(t, filepath.Join(root, "etc/resolv.conf"))
	node := "aks-nodepool1-12345678-vmss000000"
	assert.Equal(t, map[string]string{
		runID + "/" + node + "/virtualmachine":                      resolv,
		runID + "/" + node + "/" + node + ".zip!dns/virtualmachine": resolv,
	}, readTree(t, filepath.Join(work, "periscope-output")))
	assert.Contains(t, res.stderr, "periscope: output written to periscope-output/"+runID+"/"+node)

	st := readStatus(t, filepath.Join(work, "periscope-output", runID, node))
	assert.True(t, st.Delivered)
	assert.Equal(t, runID, st.RunID)
	assert.Equal(t, node, st.Node)
	require.Len(t, st.Items, 1)
	assert.Equal(t, "virtualmachine", st.Items[0].Name)
	assert.Equal(t, "dns", st.Items[0].Collector)
	assert.Empty(t, st.Errors)
}

// What `make run` does on this machine: no settings at all. The run ID is
// generated, the node is the hostname, the item is this host's resolv.conf.
func TestLocalDefaultCollectsThisHost(t *testing.T) {
	work := t.TempDir()
	res := runCollector(t, work, nil)
	require.Equal(t, 0, res.code, res.stderr)

	host, err := os.Hostname()
	require.NoError(t, err)
	runs, err := os.ReadDir(filepath.Join(work, "periscope-output"))
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$`, runs[0].Name())

	nodeDir := filepath.Join(work, "periscope-output", runs[0].Name(), host)
	want, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		assert.Contains(t, readFile(t, filepath.Join(nodeDir, "periscope-errors.log")), "dns/virtualmachine: read /etc/resolv.conf")
	} else {
		assert.Equal(t, string(want), readFile(t, filepath.Join(nodeDir, "virtualmachine")))
	}
	assert.FileExists(t, filepath.Join(nodeDir, host+".zip"))
}

// A resolv.conf the resolver would misread is still collected whole; the
// log names the file and each line.
func TestMalformedResolvConfIsCollectedAndExplained(t *testing.T) {
	work := t.TempDir()
	root := fixture(t, "noderoot-malformed")
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID": runID, "HOST_NODE_NAME": "n1", "PERISCOPE_ROOT_PATH": root,
	})
	require.Equal(t, 0, res.code, res.stderr)

	resolv := readFile(t, filepath.Join(root, "etc/resolv.conf"))
	assert.Equal(t, map[string]string{
		runID + "/n1/virtualmachine":            resolv,
		runID + "/n1/n1.zip!dns/virtualmachine": resolv,
	}, readTree(t, filepath.Join(work, "periscope-output")))
	assert.Contains(t, res.stderr, `"path": "/etc/resolv.conf"`)
	assert.Contains(t, res.stderr, "line 1: nameserver without an address is ignored")
	assert.Contains(t, res.stderr, `line 5: option \"ndots:many\" needs a non-negative number and is ignored`)
}

// A node without the file: the run still completes, the error is an item.
func TestMissingResolvConfIsRecordedNotFatal(t *testing.T) {
	work := t.TempDir()
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID": runID, "HOST_NODE_NAME": "n1", "PERISCOPE_ROOT_PATH": fixture(t, "noderoot-empty"),
	})
	require.Equal(t, 0, res.code, res.stderr)

	tree := readTree(t, filepath.Join(work, "periscope-output"))
	errLog := tree[runID+"/n1/periscope-errors.log"]
	assert.Contains(t, errLog, "dns/virtualmachine: read /etc/resolv.conf:")
	assert.Contains(t, errLog, "no such file or directory")
	assert.Equal(t, errLog, tree[runID+"/n1/n1.zip!periscope/periscope-errors.log"])
	assert.Len(t, tree, 2, "only the errors item and its zip entry: %v", tree)
	st := readStatus(t, filepath.Join(work, "periscope-output", runID, "n1"))
	require.Len(t, st.Errors, 1)
	assert.Equal(t, "collection", st.Errors[0].Stage)
}

func TestMissingRootPathStopsWithItsName(t *testing.T) {
	work := t.TempDir()
	missing := filepath.Join(work, "no-such-root")
	res := runCollector(t, work, map[string]string{"DIAGNOSTIC_RUN_ID": runID, "PERISCOPE_ROOT_PATH": missing})
	assert.Equal(t, 1, res.code, res.stderr)
	assert.Contains(t, res.stderr, `root_path "`+missing+`"`)
	assert.Contains(t, res.stderr, "no such file or directory")
}

func TestUnwritableOutputStopsWithItsName(t *testing.T) {
	work := t.TempDir()
	// A file where a directory should be: unwritable even for root.
	blocker := filepath.Join(work, "blocker")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	out := filepath.Join(blocker, "out")
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID": runID, "PERISCOPE_ROOT_PATH": fixture(t, "noderoot-azure"), "PERISCOPE_OUTPUT_DIR": out,
	})
	assert.Equal(t, 1, res.code, res.stderr)
	assert.Contains(t, res.stderr, `output directory "`+out+`" cannot be created`)
}

func TestRunIDThatIsNotAPathIsRefused(t *testing.T) {
	work := t.TempDir()
	res := runCollector(t, work, map[string]string{"DIAGNOSTIC_RUN_ID": "../escape", "PERISCOPE_ROOT_PATH": fixture(t, "noderoot-azure")})
	assert.Equal(t, 1, res.code, res.stderr)
	assert.Contains(t, res.stderr, `run ID from $DIAGNOSTIC_RUN_ID: periscope.run.id "../escape" contains a path separator`)
	assert.NoDirExists(t, filepath.Join(work, "periscope-output"))
}
