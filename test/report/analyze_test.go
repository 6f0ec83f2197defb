package report

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/azurite"
)

// Offline judgement is collection-time judgement: analyze of a run the
// binary collected from the e2e fixture nodes finds, per node, the codes,
// summaries and evidence the diagnoser wrote in diagnostics.json then.
func TestAnalyzeEqualsCollectionTime(t *testing.T) {
	out := collectedRun(t)
	res := run(t, t.TempDir(), nil, "analyze", "--json", out)
	a := analyzeJSON(t, res)
	assert.Equal(t, runID, a.RunID)
	require.Len(t, a.Nodes, len(fixtureNodes), res.stdout)
	for _, n := range a.Nodes {
		require.NotNil(t, n.Recorded, "%s has diagnostics.json", n.Node)
		assert.Equal(t, n.Recorded, n.Findings, "node %s: findings offline vs at collection", n.Node)
		assert.Empty(t, n.Problems, n.Node)
	}
	codes := a.nodeCodes()
	for _, code := range []string{"DNS_CUSTOM_NAMESERVER", "KUBELET_RESOLV_CONF_STUB", "IPTABLES_DROPS_CLUSTER_TRAFFIC",
		"OUTBOUND_TCP_REFUSED", "KUBELET_REMOVED_FLAG", "KUBELET_CONFLICTING_FLAGS", "KUBELET_MAX_PODS_EXCEEDS_POD_CIDR"} {
		assert.Contains(t, codes["node-broken"], code)
	}
	// Exit code by the worst finding: node-broken has errors.
	assert.Equal(t, 3, res.code, res.stderr)
	assert.Equal(t, 3, a.ExitCode)

	// The table groups by code and names the nodes.
	table := run(t, t.TempDir(), nil, "analyze", out)
	assert.Equal(t, 3, table.code, table.stderr)
	assert.Contains(t, table.stdout, "run "+runID)
	assert.Regexp(t, `(?m)^ERROR IPTABLES_DROPS_CLUSTER_TRAFFIC  \(1 of 4 nodes\)\n  nodes: node-broken\n`, table.stdout)
	assert.Contains(t, table.stdout, "    evidence: iptables/iptables-save line 14: -A HARDENING")
	assert.Contains(t, table.stdout, "    next step: ")

	// A node folder and a node zip alone are runs of one node.
	nodeDir := filepath.Join(out, runID, "node-broken")
	one := analyzeJSON(t, run(t, t.TempDir(), nil, "analyze", "--json", nodeDir))
	require.Len(t, one.Nodes, 1)
	assert.Equal(t, runID, one.RunID)
	assert.Equal(t, codes["node-broken"], one.nodeCodes()["node-broken"])
	zipOnly := analyzeJSON(t, run(t, t.TempDir(), nil, "analyze", "--json", filepath.Join(nodeDir, "node-broken.zip")))
	assert.Equal(t, codes["node-broken"], zipOnly.nodeCodes()["node-broken"], "the zip alone holds the same inputs")
}

// A run in Periscope's own layout (items as Periscope named them, its zips
// with <collector>/<key> entries): the codes its inputs support are found;
// Periscope's dial errors are classed from their words.
func TestAnalyzePeriscopeLayout(t *testing.T) {
	runDir := periscopeRun(t)
	res := run(t, t.TempDir(), nil, "analyze", "--json", runDir)
	a := analyzeJSON(t, res)
	assert.Equal(t, "2025-01-10T08-00-00Z", a.RunID)
	codes := a.nodeCodes()
	for _, code := range []string{"DNS_CUSTOM_NAMESERVER", "DNS_NDOTS_MULTIPLIES", "KUBELET_REMOVED_FLAG",
		"KUBELET_MAX_PODS_EXCEEDS_POD_CIDR", "OUTBOUND_APISERVER_UNREACHABLE", "OUTBOUND_DNS_FAILURE"} {
		assert.Contains(t, codes["aks-nodepool1-0"], code, res.stdout)
	}
	// Node 1 exists only as its zip: its items are read from it.
	assert.Contains(t, codes["aks-nodepool1-1"], "OUTBOUND_DNS_FAILURE", res.stdout)
	assert.NotContains(t, codes["aks-nodepool1-1"], "DNS_CUSTOM_NAMESERVER", "Azure DNS is not custom")
	assert.NotContains(t, codes["aks-nodepool1-1"], "OUTBOUND_APISERVER_UNREACHABLE", "connected")
	for _, n := range a.Nodes {
		assert.Nil(t, n.Recorded, "Periscope wrote no diagnostics.json")
		assert.Empty(t, n.Problems, n.Node)
	}
	assert.Equal(t, 3, res.code)

	// The Go error's words give the class and the evidence keeps them.
	table := run(t, t.TempDir(), nil, "analyze", runDir)
	assert.Contains(t, table.stdout, "Error: dns_nxdomain: dial tcp: lookup mcr.microsoft.com on 10.1.0.4:53: no such host")
}

// What cannot be read is named and the rest is analysed: a corrupt zip (its
// node is read from the items beside it), a node folder that is not there.
func TestAnalyzeNamesWhatItCannotRead(t *testing.T) {
	runDir := periscopeRun(t)
	require.NoError(t, os.WriteFile(filepath.Join(runDir, "aks-nodepool1-0", "aks-nodepool1-0.zip"), []byte("PK\x03\x04 not a zip"), 0o644))
	missing := filepath.Join(runDir, "aks-nodepool1-7")
	res := run(t, t.TempDir(), nil, "analyze", "--json",
		filepath.Join(runDir, "aks-nodepool1-0"), missing, filepath.Join(runDir, "aks-nodepool1-1"))
	a := analyzeJSON(t, res)
	require.Len(t, a.Nodes, 2)
	assert.Contains(t, joinLines(a.Problems), missing+": no such node folder, run folder or zip")
	var zipProblem string
	for _, n := range a.Nodes {
		if n.Node == "aks-nodepool1-0" {
			zipProblem = joinLines(n.Problems)
		}
	}
	assert.Contains(t, zipProblem, "aks-nodepool1-0.zip: not a readable zip")
	assert.Contains(t, a.nodeCodes()["aks-nodepool1-0"], "DNS_CUSTOM_NAMESERVER", "the items beside the zip are judged")
	assert.Contains(t, a.nodeCodes()["aks-nodepool1-1"], "OUTBOUND_DNS_FAILURE")

	table := run(t, t.TempDir(), nil, "analyze", missing, filepath.Join(runDir, "aks-nodepool1-1"))
	assert.Contains(t, table.stdout, "not analysed:\n  "+missing+": no such node folder, run folder or zip")

	nothing := run(t, t.TempDir(), nil, "analyze", missing)
	assert.Equal(t, 1, nothing.code)
	assert.Contains(t, nothing.stderr, missing+": no such node folder")
}

// A run in Blob Storage (Azurite): read through a container URL with a SAS
// and the run ID, and through a node zip's blob URL; only listed and read.
// An expired SAS is named with its expiry, never its signature, and a local
// run given beside it is still analysed.
func TestAnalyzeBlobStorage(t *testing.T) {
	out := collectedRun(t)
	server, err := azurite.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = server.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const container = "mycluster-dns-1a2b3c4d"
	require.NoError(t, server.CreateContainer(ctx, container))
	client, err := server.Client()
	require.NoError(t, err)
	uploaded := uploadTree(t, ctx, client, container, out)

	sas, err := azurite.ContainerSAS(container, time.Now().Add(time.Hour))
	require.NoError(t, err)
	containerURL := server.BlobURL + "/" + container + "?" + sas
	local := analyzeJSON(t, run(t, t.TempDir(), nil, "analyze", "--json", out))

	res := run(t, t.TempDir(), nil, "analyze", "--json", "--run-id", runID, containerURL)
	a := analyzeJSON(t, res)
	assert.Equal(t, local.nodeCodes(), a.nodeCodes(), res.stderr)
	for _, n := range a.Nodes {
		assert.Equal(t, n.Recorded, n.Findings, n.Node)
	}
	newest := analyzeJSON(t, run(t, t.TempDir(), nil, "analyze", "--json", containerURL))
	assert.Equal(t, runID, newest.RunID, "without --run-id: the container's newest run")

	zipURL := server.BlobURL + "/" + container + "/" + runID + "/node-broken/node-broken.zip?" + sas
	z := analyzeJSON(t, run(t, t.TempDir(), nil, "analyze", "--json", zipURL))
	assert.Equal(t, local.nodeCodes()["node-broken"], z.nodeCodes()["node-broken"])

	after, err := server.Blobs(ctx, container)
	require.NoError(t, err)
	for name, b := range after {
		assert.Equal(t, uploaded[name], strings.Trim(b.ETag, `"`), "%s unchanged: analyze never writes", name)
	}
	assert.Len(t, after, len(uploaded))

	expired, err := azurite.ContainerSAS(container, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	sig := expired[strings.Index(expired, "sig=")+len("sig="):]
	if i := strings.IndexByte(sig, '&'); i >= 0 {
		sig = sig[:i]
	}
	expiredURL := server.BlobURL + "/" + container + "?" + expired
	bad := run(t, t.TempDir(), nil, "analyze", "--run-id", runID, expiredURL)
	assert.Equal(t, 1, bad.code)
	assert.Contains(t, bad.stderr, "the SAS token expired at ")
	assert.NotContains(t, bad.stderr+bad.stdout, sig)

	mixed := run(t, t.TempDir(), nil, "analyze", "--json", "--run-id", runID, expiredURL, filepath.Join(out, runID, "node-azure"))
	m := analyzeJSON(t, mixed)
	require.Len(t, m.Nodes, 1)
	assert.Equal(t, "node-azure", m.Nodes[0].Node)
	assert.Contains(t, joinLines(m.Problems), "the SAS token expired at ")
	assert.NotContains(t, mixed.stdout+mixed.stderr, sig)
	assert.GreaterOrEqual(t, mixed.code, 2, "part of the run was not analysed")
}

// uploadTree uploads every file under dir as a blob of the same relative
// name and returns each blob's ETag.
func uploadTree(t *testing.T, ctx context.Context, c *azblob.Client, container, dir string) map[string]string {
	t.Helper()
	etags := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		resp, err := c.UploadBuffer(ctx, container, filepath.ToSlash(rel), data, nil)
		if err != nil {
			return err
		}
		etags[filepath.ToSlash(rel)] = strings.Trim(string(*resp.ETag), `"`)
		return nil
	}))
	return etags
}

// A one-shot run on a terminal (--progress: the same where stderr is a
// pipe) draws its progress line, keeps the collector's INFO lines out and
// ends with the summary; --verbose brings the INFO lines back.
func TestOneShotProgress(t *testing.T) {
	env := map[string]string{
		"DIAGNOSTIC_RUN_ID":   runID,
		"HOST_NODE_NAME":      "node-p",
		"PERISCOPE_ROOT_PATH": filepath.Join(repoRoot, "test/e2e/testdata/noderoot-azure"),
	}
	quiet := run(t, t.TempDir(), env, "--progress")
	require.Equal(t, 0, quiet.code, quiet.stderr)
	assert.Contains(t, quiet.stderr, "\rperiscope: ")
	assert.Contains(t, quiet.stderr, " collections done, ")
	assert.NotContains(t, quiet.stderr, "\tinfo\t", "no INFO line of the collector")
	assert.Contains(t, quiet.stderr, "periscope: output written to periscope-output/"+runID+"/node-p")

	verbose := run(t, t.TempDir(), env)
	assert.Contains(t, verbose.stderr, "\tinfo\t", "without a terminal the log is as before")
	assert.NotContains(t, verbose.stderr, " collections done, ")
}
