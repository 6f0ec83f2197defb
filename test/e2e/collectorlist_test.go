package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// COLLECTOR_LIST="OSM SMI" (Periscope's service-mesh modes) is accepted and
// never silent: this distribution has no OSM or SMI collector (both
// projects are archived), and each run says so in periscope-errors.log and
// status.json, naming what to use instead. The rest is collected as usual.
func TestOSMAndSMIAreNamedAsNotCollected(t *testing.T) {
	work := t.TempDir()
	const node = "node-m"
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID":   runID,
		"HOST_NODE_NAME":      node,
		"PERISCOPE_ROOT_PATH": fixture(t, "noderoot-azure"),
		"COLLECTOR_LIST":      "OSM SMI",
	})
	require.Equal(t, 0, res.code, res.stderr)
	nodeDir := filepath.Join(work, "periscope-output", runID, node)
	errorsLog := readFile(t, filepath.Join(nodeDir, "periscope-errors.log"))
	var mesh []string
	for _, line := range strings.SplitAfter(errorsLog, "\n") {
		if strings.HasPrefix(line, "osm/") || strings.HasPrefix(line, "smi/") {
			mesh = append(mesh, line)
		}
	}
	require.Len(t, mesh, 2, errorsLog)
	assert.Contains(t, errorsLog, "osm/osm: not collected: COLLECTOR_LIST asks for OSM, which otelcol-periscope does not collect: the Open Service Mesh project is archived. ")
	assert.Contains(t, errorsLog, "smi/smi: not collected: COLLECTOR_LIST asks for SMI (OSM includes it), which otelcol-periscope does not collect: the Service Mesh Interface specification is archived. ")
	st := readStatus(t, nodeDir)
	assert.True(t, st.Delivered)
	assert.Len(t, st.Errors, 5, "the three iptables items of the fixture root, OSM and SMI")
	assert.Equal(t, readTree(t, nodeDir)[node+".zip!periscope/periscope-errors.log"], errorsLog)
}
