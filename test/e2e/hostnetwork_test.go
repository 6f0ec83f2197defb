package e2e

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The DaemonSet pod shares the node's network (hostNetwork), where other
// collectors run too. Two collectors with the shipped DaemonSet config on
// one host network both collect, while the collector's usual ports
// (internal metrics 127.0.0.1:8888, health_check 13133) are taken, and
// neither listens on any port.
func TestTwoCollectorsShareTheHostNetwork(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:8888", "127.0.0.1:13133"} {
		// Another collector's ports; already taken by something is as good.
		if l, err := net.Listen("tcp", addr); err == nil {
			t.Cleanup(func() { l.Close() })
		}
	}
	const id = "2026-11-29T06-00-00Z"
	start := func(name string) (*daemon, string) {
		work := filepath.Join(t.TempDir(), name)
		configDir := filepath.Join(work, "config")
		require.NoError(t, os.MkdirAll(configDir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(configDir, "DIAGNOSTIC_RUN_ID"), []byte(id), 0o644))
		out := filepath.Join(work, "output")
		d := startDaemon(t, map[string]string{
			"PERISCOPE_CONFIG_DIR":         configDir,
			"PERISCOPE_DISABLE_COLLECTORS": "networkoutbound kubeobjects systemperf pdb",
			"PERISCOPE_ROOT_PATH":          fixture(t, "noderoot-azure"),
			"PERISCOPE_JOURNAL_ROOT_PATH":  fixture(t, "noderoot-azure"),
			"PERISCOPE_OUTPUT_DIR":         out,
			"PERISCOPE_STATE_DIR":          filepath.Join(work, "state"),
			"HOST_NODE_NAME":               name,
			"PERISCOPE_POD_RESOLV_CONF":    fixture(t, "pod-resolv.conf"),
		})
		return d, filepath.Join(out, id, name, name+".zip")
	}
	exists := func(p string) func() bool {
		return func() bool { _, err := os.Stat(p); return err == nil }
	}
	a, zipA := start("node-a")
	a.waitFor(t, "the first collector's run", exists(zipA))
	b, zipB := start("node-b")
	b.waitFor(t, "the second collector's run, the first still running", exists(zipB))
	select {
	case <-a.exited:
		t.Fatalf("the first collector exited; output:\n%s", a.out.String())
	default:
	}
	for _, d := range []*daemon{a, b} {
		assert.Empty(t, listeningSockets(t, d.cmd.Process.Pid), "listening sockets; output:\n%s", d.out.String())
	}
}

// listeningSockets lists the TCP and UDP sockets pid listens on (bound,
// for UDP), as local addresses in /proc/net's hex form.
func listeningSockets(t *testing.T, pid int) []string {
	t.Helper()
	owned := map[string]bool{}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	require.NoError(t, err)
	for _, fd := range fds {
		link, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			owned[strings.TrimSuffix(inode, "]")] = true
		}
	}
	var found []string
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/net/" + table)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !owned[fields[9]] {
				continue
			}
			listening := fields[3] == "0A" // TCP_LISTEN
			if strings.HasPrefix(table, "udp") {
				listening = fields[2] == "00000000:0000" || strings.Trim(fields[2], "0:") == ""
			}
			if listening {
				found = append(found, table+" "+fields[1])
			}
		}
		f.Close()
	}
	return found
}
