package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// azureNodeTree is the exact tree a run over the noderoot-azure fixture
// writes for one node: every item file and the zip's entries. podResolv is
// the pod resolv.conf fixture, or "" where the config has none.
func azureNodeTree(t *testing.T, runID, node, podResolv string) map[string]string {
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
		// The fixture root has no iptables programs: each item says so.
		"periscope-errors.log": {"periscope", notInstalled("iptables") + notInstalled("iptables-save") + notInstalled("ip6tables-save")},
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
