package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const runID = "2026-11-28T12-00-00Z"

// The embedded default against a fixture node root writes exactly the
// Periscope layout: the item, then the node zip holding <collector>/<key>.
func TestLocalDefaultWritesPeriscopeLayout(t *testing.T) {
	work := t.TempDir()
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID":   runID,
		"HOST_NODE_NAME":      "aks-nodepool1-12345678-vmss000000",
		"PERISCOPE_ROOT_PATH": fixture(t, "noderoot-azure"),
	})
	require.Equal(t, 0, res.code, res.stderr)

	node := "aks-nodepool1-12345678-vmss000000"
	tree := readTree(t, filepath.Join(work, "periscope-output"))
	diagnoses := splitDiagnoses(t, tree, runID, node)
	assert.Equal(t, azureNodeTree(t, runID, node, "", logsCopied), tree)

	var nc networkConfig
	require.NoError(t, json.Unmarshal([]byte(diagnoses["networkconfig"]), &nc))
	assert.Equal(t, networkConfig{HostName: node, NetworkPlugin: "azurecni", VirtualMachineDNS: []string{"168.63.129.16"}, KubernetesDNS: []string{}, MaxPodsPerNode: 30}, nc)
	assert.Contains(t, diagnoses["diagnostics.log"], "KUBELET_DEPRECATED_FLAG")
	assert.Contains(t, res.stderr, "periscope: output written to periscope-output/"+runID+"/"+node)

	st := readStatus(t, filepath.Join(work, "periscope-output", runID, node))
	assert.True(t, st.Delivered)
	assert.Equal(t, runID, st.RunID)
	assert.Equal(t, node, st.Node)
	var items []string
	for _, it := range st.Items {
		items = append(items, it.Collector+"/"+it.Name)
	}
	assert.Equal(t, []string{
		"containerlogs/containerlogs-index", "diagnoser/diagnostics.json", "diagnoser/diagnostics.log",
		"containerlogs/kube-system_coredns-7d5f8-abcde_coredns_0.log",
		"containerlogs/kube-system_konnectivity-agent-6c9f7-xk2lp_konnectivity-agent_1.log",
		"dns/kubelet-resolv-conf", "kubeletcmd/kubeletcmd", "kubeletcmd/kubeletconfig", "diagnoser/networkconfig", "periscope/periscope-errors.log",
		"nodelogs/var_log_azure_cluster-provision.log", "nodelogs/var_log_cloud-init.log", "dns/virtualmachine",
	}, items)
	require.NotNil(t, st.Diagnoses, "status.json carries the diagnoser's summary")
	assert.Contains(t, st.Diagnoses.Codes, "KUBELET_DEPRECATED_FLAG")
	assert.Positive(t, st.Diagnoses.Warn+st.Diagnoses.Info)
	require.Len(t, st.Errors, 3, "the three iptables items, not installed in the fixture root")
	for _, e := range st.Errors {
		assert.Equal(t, "collection", e.Stage)
	}
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
	tree := readTree(t, filepath.Join(work, "periscope-output"))
	assert.Equal(t, resolv, tree[runID+"/n1/virtualmachine"])
	assert.Equal(t, resolv, tree[runID+"/n1/n1.zip!dns/virtualmachine"])
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
	// Every collector explains itself on a node root with nothing in it.
	for _, line := range strings.Split(strings.TrimSpace(errLog), "\n") {
		assert.Regexp(t, `no such file or directory|is not installed on the node`, line)
	}
	assert.Contains(t, errLog, "dns/virtualmachine: read /etc/resolv.conf:")
	assert.Contains(t, errLog, "iptables/iptables-save: not available: iptables-save is not installed on the node")
	assert.Contains(t, errLog, "nodelogs/var_log_cloud-init.log: node log /var/log/cloud-init.log:")
	assert.Contains(t, errLog, "nodelogs/var_log_azure_cluster-provision.log: node log /var/log/azure/cluster-provision.log:")
	assert.Contains(t, errLog, "kubeletcmd/kubeletcmd: not available: list processes: open "+fixture(t, "noderoot-empty")+"/proc: no such file or directory")
	assert.Equal(t, errLog, tree[runID+"/n1/n1.zip!periscope/periscope-errors.log"])
	splitDiagnoses(t, tree, runID, "n1")
	assert.Len(t, tree, 2, "only the errors item and its zip entry, besides the diagnoses: %v", tree)
	st := readStatus(t, filepath.Join(work, "periscope-output", runID, "n1"))
	assert.Len(t, st.Errors, strings.Count(errLog, "\n"), "one status error per line of periscope-errors.log")
	for _, e := range st.Errors {
		assert.Equal(t, "collection", e.Stage)
	}
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

func TestUnknownCollectorListWordIsRefused(t *testing.T) {
	work := t.TempDir()
	res := runCollector(t, work, map[string]string{"COLLECTOR_LIST": " connectedCluster 'bogus' ", "PERISCOPE_ROOT_PATH": fixture(t, "noderoot-azure")})
	assert.Equal(t, 1, res.code, res.stderr)
	assert.Contains(t, res.stderr, `COLLECTOR_LIST from $COLLECTOR_LIST: unknown word "bogus" (known: connectedCluster, OSM, SMI)`)
}

// An empty run ID (a ConfigMap key without value) means "not set": the run
// gets a generated one rather than an empty folder name.
func TestEmptyRunIDIsGenerated(t *testing.T) {
	work := t.TempDir()
	res := runCollector(t, work, map[string]string{"DIAGNOSTIC_RUN_ID": "  ", "HOST_NODE_NAME": "n1", "PERISCOPE_ROOT_PATH": fixture(t, "noderoot-azure")})
	require.Equal(t, 0, res.code, res.stderr)
	runs, err := os.ReadDir(filepath.Join(work, "periscope-output"))
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$`, runs[0].Name())
}

// Periscope's node log list as people write it: quoted, a path with a space,
// a binary file, a missing file. Each file is its own item; the missing one
// fails alone.
func TestNodeLogListWithQuotesBinaryAndMissingFiles(t *testing.T) {
	work := t.TempDir()
	root := fixture(t, "noderoot-badlogs")
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID": runID, "HOST_NODE_NAME": "n1", "PERISCOPE_ROOT_PATH": root,
		"DIAGNOSTIC_NODELOGS_LIST_LINUX": `"/var/log/with space.log" '/var/log/binary.log'  /var/log/missing.log`,
	})
	require.Equal(t, 0, res.code, res.stderr)

	tree := readTree(t, filepath.Join(work, "periscope-output"))
	assert.Equal(t, "good log line one\ngood log line two\n", tree[runID+"/n1/var_log_with space.log"])
	assert.Equal(t, "line after binary\n", tree[runID+"/n1/var_log_binary.log"][len(tree[runID+"/n1/var_log_binary.log"])-len("line after binary\n"):],
		"a binary file is collected, not fatal")
	assert.Contains(t, tree[runID+"/n1/periscope-errors.log"], "nodelogs/var_log_missing.log: node log /var/log/missing.log:")
	assert.NotContains(t, tree[runID+"/n1/periscope-errors.log"], "with space")
}

// DIAGNOSTIC_CONTAINERLOGS_LIST through the binary: a namespace, a
// namespace/container-prefix and a malformed entry. The bad entry is named
// in the errors item; the others are collected.
func TestContainerLogsListSelectsAndNamesBadEntries(t *testing.T) {
	work := t.TempDir()
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID":             runID,
		"HOST_NODE_NAME":                "n1",
		"PERISCOPE_ROOT_PATH":           fixture(t, "noderoot-azure"),
		"DIAGNOSTIC_CONTAINERLOGS_LIST": "kube-system/konn a/b/c/d default",
	})
	require.Equal(t, 0, res.code, res.stderr)
	tree := readTree(t, filepath.Join(work, "periscope-output"))
	dir := runID + "/n1/"
	assert.Equal(t, "2026-11-28T10:01:00.000000001Z stderr F I1128 10:01:00.000000 1 client.go:100] Connecting to proxy server\n",
		tree[dir+"kube-system_konnectivity-agent-6c9f7-xk2lp_konnectivity-agent_1.log"], "the file as the kubelet wrote it")
	assert.Equal(t, "2026-11-28T10:00:00Z stdout F web is not kube-system\n", tree[dir+"default_web-1_web_0.log"])
	assert.NotContains(t, tree, dir+"kube-system_coredns-7d5f8-abcde_coredns_0.log", "only containers starting with konn")
	assert.Contains(t, tree[dir+"periscope-errors.log"],
		`containerlogs/list: container logs entry "a/b/c/d": want namespace or namespace/container-prefix, got 4 parts`)
	assert.Equal(t, "kube-system/konn: 1 file(s) under /var/log/pods\n"+
		"  kube-system_konnectivity-agent-6c9f7-xk2lp_9f8e7d6c-5b4a-4321-8fed-cba987654321/konnectivity-agent/1.log\n"+
		"default: 1 file(s) under /var/log/pods\n"+
		"  default_web-1_11111111-2222-4333-8444-555555555555/web/0.log\n", tree[dir+"containerlogs-index"])
}

// A stray quote in a list does not stop the collector: the entry holding
// it is named in the errors item, the rest of the run is collected.
func TestStrayQuoteInAListLosesOnlyThatEntry(t *testing.T) {
	work := t.TempDir()
	res := runCollector(t, work, map[string]string{
		"DIAGNOSTIC_RUN_ID": runID, "HOST_NODE_NAME": "n1", "PERISCOPE_ROOT_PATH": fixture(t, "noderoot-azure"),
		"DIAGNOSTIC_NODELOGS_LIST_LINUX": `/var/log/cloud-init.log "/var/log/azure/cluster-provision.log`,
		"DIAGNOSTIC_CONTAINERLOGS_LIST":  `kube-system/konn 'default`,
	})
	require.Equal(t, 0, res.code, res.stderr)
	assert.Contains(t, res.stderr, "Malformed Periscope list")
	assert.Contains(t, res.stderr, `unbalanced \" quote`)

	tree := readTree(t, filepath.Join(work, "periscope-output"))
	dir := runID + "/n1/"
	assert.Equal(t, readFile(t, filepath.Join(fixture(t, "noderoot-azure"), "var/log/cloud-init.log")), tree[dir+"var_log_cloud-init.log"])
	assert.Contains(t, tree, dir+"kube-system_konnectivity-agent-6c9f7-xk2lp_konnectivity-agent_1.log")
	errs := tree[dir+"periscope-errors.log"]
	assert.Contains(t, errs, `node log "\"/var/log/azure/cluster-provision.log" is not an absolute path`)
	assert.Contains(t, errs, `container logs entry "'default": namespace "'default" is not a Kubernetes namespace name`)
	assert.NotContains(t, tree, dir+"var_log_azure_cluster-provision.log")
}
