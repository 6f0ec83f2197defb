package diagnosticobject_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/layout"
)

var now = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)

// Fixtures: the items a node run delivers, in the shapes the dns_config
// receiver and the diagnoser write them. networkoutbound is the diagnoser
// document az aks kanalyze reads, with one failed check.
const (
	nodeResolv    = "nameserver 10.1.0.4\nsearch abc.internal.cloudapp.net\n"
	podResolv     = "nameserver 10.0.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
	networkConfig = `{"HostName":"%s","NetworkPlugin":"azurecni","VirtualMachineDNS":["10.1.0.4"],"KubernetesDNS":["10.0.0.10"],"MaxPodsPerNode":30}`
	outbound      = `[{"HostName":"%s","Type":"Internet","Start":"2026-11-29T03:00:00Z","End":"2026-11-29T03:00:01Z","Status":"Connected"},` +
		`{"HostName":"%s","Type":"API Server","Start":"2026-11-29T03:00:00Z","End":"2026-11-29T03:00:05Z","Status":"Error: dial tcp 10.0.0.1:443: i/o timeout"}]`
	diagnosticsSummary = `{"runId":"r","node":"n","counts":{"INFO":1,"WARN":2,"ERROR":0},"codes":["DNS_CUSTOM_NAMESERVER","DNS_NDOTS_MULTIPLIES"],"evidenceKeys":[],"signals":[]}`
)

func sprintf(format, node string) string { return strings.ReplaceAll(format, "%s", node) }

// nodeRun is one node's records of one run, stamped as the pipeline's
// resource processor stamps them.
func nodeRun(runID, node string, withOutbound bool) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(layout.AttrRunID, runID)
	rl.Resource().Attributes().PutStr(layout.AttrNodeName, node)
	sl := rl.ScopeLogs().AppendEmpty()
	layout.AppendDocument(sl, "dns", "virtualmachine", []byte(nodeResolv), now)
	layout.AppendDocument(sl, "dns", "kubernetes", []byte(podResolv), now)
	layout.AppendDocument(sl, "diagnoser", "networkconfig", []byte(sprintf(networkConfig, node)), now)
	layout.AppendDocument(sl, "diagnoser", "diagnostics.json", []byte(diagnosticsSummary), now)
	if withOutbound {
		layout.AppendDocument(sl, "diagnoser", "networkoutbound", []byte(sprintf(outbound, node)), now)
	}
	layout.AppendError(sl, "kubeletcmd", "kubeletcmd", errors.New("no kubelet process"), now)
	return ld
}

// A node run creates aks-periscope-diagnostic-<node> with the ServiceAccount
// of the shipped RBAC: Collecting while it runs (network strings empty, so
// kanalyze waits), Completed with Periscope's spec strings once status.json
// is written. A second run ID updates the same object.
func TestRunsCreateThenUpdateTheNodesDiagnosticObject(t *testing.T) {
	c, kubeconfig := periscopeCluster(t)
	const node = "aks-nodepool1-12345678-vmss000000"
	const name = "aks-periscope-diagnostic-" + node

	first := startRun(t, exporterConfig(t, kubeconfig), nodeRun("2026-11-29T03-00-00Z", node, true))
	u := waitPhase(t, c, first, name, "2026-11-29T03-00-00Z", "Collecting")
	assert.Equal(t, "", field(u, "spec", "networkconfig"))
	assert.Equal(t, "", field(u, "spec", "networkoutbound"))
	require.NoError(t, first.exporter.Shutdown(context.Background()))

	u = waitPhase(t, c, first, name, "2026-11-29T03-00-00Z", "Completed")
	assert.Equal(t, sprintf(networkConfig, node), field(u, "spec", "networkconfig"))
	assert.Equal(t, sprintf(outbound, node), field(u, "spec", "networkoutbound"))
	assert.JSONEq(t, `[{"HostName":"`+node+`","Level":"host","NameServer":["10.1.0.4"],"Custom":true},`+
		`{"HostName":"`+node+`","Level":"container","NameServer":["10.0.0.10"]}]`, field(u, "spec", "dns").(string))
	assert.Equal(t, "0 error, 2 warn, 1 info", field(u, "status", "findings"))
	assert.Equal(t, int64(6), field(u, "status", "nodeItems"), "5 items and periscope-errors.log")
	assert.Equal(t, int64(0), field(u, "status", "clusterItems"))
	assert.Equal(t, int64(1), field(u, "status", "notCollected"))
	assert.Equal(t, int64(1), field(u, "status", "errors"))
	assert.Equal(t, []any{"collection: kubeletcmd/kubeletcmd: no kubelet process"}, field(u, "status", "messages"))
	assert.Equal(t, filepath.Join(first.dir, "2026-11-29T03-00-00Z", node), field(u, "status", "destination"))
	assert.Positive(t, field(u, "status", "bytes"))
	assert.Nil(t, field(u, "status", "reason"))
	st, _ := readStatus(t, first.dir, "2026-11-29T03-00-00Z", node)
	assert.True(t, st.Delivered)
	assert.Len(t, st.Errors, 1, "no Diagnostic object problem recorded")
	uid := u.GetUID()

	// The next run ID: the same object, emptied while collecting, then the
	// new run's data. Without a networkoutbound item the string is "[]".
	second := startRun(t, exporterConfig(t, kubeconfig), nodeRun("2026-11-29T04-00-00Z", node, false))
	u = waitPhase(t, c, second, name, "2026-11-29T04-00-00Z", "Collecting")
	assert.Equal(t, "", field(u, "spec", "networkconfig"), "the last run's network data is not shown as this run's")
	assert.Equal(t, int64(0), field(u, "status", "nodeItems"), "the last run's counts are gone")
	require.NoError(t, second.exporter.Shutdown(context.Background()))
	u = waitPhase(t, c, second, name, "2026-11-29T04-00-00Z", "Completed")
	assert.Equal(t, uid, u.GetUID(), "updated, not recreated")
	assert.Equal(t, "[]", field(u, "spec", "networkoutbound"))
	assert.Equal(t, sprintf(networkConfig, node), field(u, "spec", "networkconfig"))

	// What an operator sees: one row per node with the printer columns.
	out, err := c.Kubectl(context.Background(), "get", "apd", "-n", namespace)
	require.NoError(t, err)
	t.Logf("kubectl get apd -n %s:\n%s", namespace, out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.GreaterOrEqual(t, len(lines), 2, "%s", out)
	assert.Regexp(t, `^NAME\s+RUN ID\s+PHASE\s+NODE ITEMS\s+CLUSTER ITEMS\s+NOT COLLECTED\s+FINDINGS\s+UPDATED\s+REASON$`, lines[0])
	assert.Contains(t, lines, findLine(lines, name))
	assert.Regexp(t, regexp.MustCompile(`^`+name+`\s+2026-11-29T04-00-00Z\s+Completed\s+5\s+0\s+1\s+0 error, 2 warn, 1 info\s+\d+s\s*$`), findLine(lines, name))

	// -o wide adds every problem of the run and where it went.
	out, err = c.Kubectl(context.Background(), "get", "apd", name, "-n", namespace, "-o", "wide")
	require.NoError(t, err)
	lines = strings.Split(strings.TrimSpace(string(out)), "\n")
	assert.Regexp(t, `^NAME\s+RUN ID\s+PHASE\s+NODE ITEMS\s+CLUSTER ITEMS\s+NOT COLLECTED\s+FINDINGS\s+UPDATED\s+REASON\s+ERRORS\s+DESTINATION$`, lines[0])
	assert.Regexp(t, regexp.MustCompile(`\s1\s+`+regexp.QuoteMeta(filepath.Join(second.dir, "2026-11-29T04-00-00Z", node))+`$`), lines[1])
}

func findLine(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix+" ") {
			return l
		}
	}
	return ""
}

// kubectl get -o json of one object, for "never in the object" checks.
func objectJSON(t *testing.T, name string) string {
	t.Helper()
	c, _ := periscopeCluster(t)
	out, err := c.Kubectl(context.Background(), "get", "apd", name, "-n", namespace, "-o", "json")
	require.NoError(t, err)
	return string(out)
}

// The fixtures are JSON; a typo would make the spec comparisons compare
// nonsense.
func TestFixturesAreJSON(t *testing.T) {
	for _, doc := range []string{sprintf(networkConfig, "n"), sprintf(outbound, "n"), diagnosticsSummary} {
		assert.True(t, json.Valid([]byte(doc)), doc)
	}
}
