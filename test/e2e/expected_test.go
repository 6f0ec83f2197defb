package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// How a config delivers logs: copied as files (the Periscope layout
// configs) or streamed as records (OTLP, Azure Monitor).
const (
	logsCopied   = false
	logsStreamed = true
)

// azureNodeTree is the exact tree a run over the noderoot-azure fixture
// writes for one node: every item file and the zip's entries. podResolv is
// the pod resolv.conf fixture, or "" where the config has none. streamed
// says the container logs came as records (the container parser's
// messages), not as copies of the files.
func azureNodeTree(t *testing.T, runID, node, podResolv string, streamed bool) map[string]string {
	t.Helper()
	root := fixture(t, "noderoot-azure")
	cmdline, err := os.ReadFile(filepath.Join(root, "proc/2977/cmdline"))
	require.NoError(t, err)
	// kubeletcmd is Periscope's form: the arguments space-joined.
	kubeletCmd := strings.Join(strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00"), " ") + "\n"
	notInstalled := func(prog string) string {
		return "iptables/" + prog + ": not available: " + prog +
			" is not installed on the node: not found in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin under root_path " + root + "\n"
	}
	items := map[string]struct{ collector, content string }{
		"virtualmachine":                      {"dns", readFile(t, filepath.Join(root, "etc/resolv.conf"))},
		"kubelet-resolv-conf":                 {"dns", readFile(t, filepath.Join(root, "run/systemd/resolve/resolv.conf"))},
		"kubeletcmd":                          {"kubeletcmd", kubeletCmd},
		"kubeletconfig":                       {"kubeletcmd", readFile(t, filepath.Join(root, "etc/default/kubeletconfig.json"))},
		"var_log_cloud-init.log":              {"nodelogs", readFile(t, filepath.Join(root, "var/log/cloud-init.log"))},
		"var_log_azure_cluster-provision.log": {"nodelogs", readFile(t, filepath.Join(root, "var/log/azure/cluster-provision.log"))},
		// Container logs of kube-system (Periscope's default list), copied
		// as the kubelet wrote them; default/web is not selected.
		"containerlogs-index": {"containerlogs", "kube-system: 2 file(s) under /var/log/pods\n" +
			"  " + corednsLog + "\n" +
			"  " + konnectivityLog + "\n"},
		"kube-system_coredns-7d5f8-abcde_coredns_0.log":                       {"containerlogs", readFile(t, filepath.Join(root, "var/log/pods", corednsLog))},
		"kube-system_konnectivity-agent-6c9f7-xk2lp_konnectivity-agent_1.log": {"containerlogs", readFile(t, filepath.Join(root, "var/log/pods", konnectivityLog))},
		// The fixture root has no iptables programs: each item says so.
		"periscope-errors.log": {"periscope", notInstalled("iptables") + notInstalled("iptables-save") + notInstalled("ip6tables-save")},
	}
	if streamed {
		// Through filelog's container parser: the messages, a split line
		// (logtag P) joined.
		items["kube-system_coredns-7d5f8-abcde_coredns_0.log"] = struct{ collector, content string }{"containerlogs",
			"[INFO] plugin/reload: Running configuration SHA512 = 1b2c\n" +
				"[ERROR] plugin/errors: 2 example.com. A: read udp 10.244.0.5:40012->168.63.129.16:53: i/o timeout\n"}
		items["kube-system_konnectivity-agent-6c9f7-xk2lp_konnectivity-agent_1.log"] = struct{ collector, content string }{"containerlogs",
			"I1128 10:01:00.000000 1 client.go:100] Connecting to proxy server\n"}
	}
	if podResolv != "" {
		items["kubernetes"] = struct{ collector, content string }{"dns", readFile(t, fixture(t, podResolv))}
	}
	tree := map[string]string{}
	for key, it := range items {
		tree[runID+"/"+node+"/"+key] = it.content
		tree[runID+"/"+node+"/"+node+".zip!"+it.collector+"/"+key] = it.content
	}
	return tree
}

// The fixture's kube-system container logs, under /var/log/pods.
const (
	corednsLog      = "kube-system_coredns-7d5f8-abcde_5b0e0f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b/coredns/0.log"
	konnectivityLog = "kube-system_konnectivity-agent-6c9f7-xk2lp_9f8e7d6c-5b4a-4321-8fed-cba987654321/konnectivity-agent/1.log"
)

// diagnoserItems are the diagnoser's end-of-run items in every node folder.
var diagnoserItems = []string{"diagnostics.log", "diagnostics.json", "networkconfig"}

// splitDiagnoses takes the diagnoser's items (and their zip entries) out of
// a tree, checking each is present in both places, and returns them keyed
// by item name: their text quotes paths and counts that the exact-tree
// comparisons cannot predict, so tests check them separately.
func splitDiagnoses(t *testing.T, tree map[string]string, runID, node string) map[string]string {
	t.Helper()
	found := map[string]string{}
	for _, item := range diagnoserItems {
		file := runID + "/" + node + "/" + item
		entry := runID + "/" + node + "/" + node + ".zip!diagnoser/" + item
		content, ok := tree[file]
		require.True(t, ok, "%s missing", file)
		require.Equal(t, content, tree[entry], "%s in the zip", item)
		delete(tree, file)
		delete(tree, entry)
		found[item] = content
	}
	return found
}

// networkConfig is Periscope's networkconfig item, as az aks kanalyze reads it.
type networkConfig struct {
	HostName          string
	NetworkPlugin     string
	VirtualMachineDNS []string
	KubernetesDNS     []string
	MaxPodsPerNode    int
}

// noJournalctl is what the systemlogs receiver writes to
// periscope-errors.log on a node root without journalctl (the fixtures').
func noJournalctl(root string) string {
	var b strings.Builder
	for _, unit := range []string{"kubelet", "containerd", "docker"} {
		b.WriteString("systemlogs/" + unit + ": not collected: the node has no journalctl (/usr/bin/journalctl under root_path " +
			root + ": not found), so no systemd journal to read\n")
	}
	return b.String()
}

// withErrors adds lines to the node's periscope-errors.log, the file and
// its zip entry.
func withErrors(tree map[string]string, runID, node, lines string) map[string]string {
	for _, k := range []string{runID + "/" + node + "/periscope-errors.log", runID + "/" + node + "/" + node + ".zip!periscope/periscope-errors.log"} {
		tree[k] += lines
	}
	return tree
}

// sortedErrors sorts the lines of every periscope-errors.log (file or zip
// entry) of tree: receivers report at once, in no fixed order.
func sortedErrors(tree map[string]string) map[string]string {
	out := make(map[string]string, len(tree))
	for k, v := range tree {
		if strings.HasSuffix(k, "/periscope-errors.log") {
			lines := strings.SplitAfter(v, "\n")
			sort.Strings(lines)
			v = strings.Join(lines, "")
		}
		out[k] = v
	}
	return out
}
