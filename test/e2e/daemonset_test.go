package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer collects a running process's output for polling.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// daemon is a collector running in DaemonSet mode against fixture dirs.
type daemon struct {
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{}
}

func startDaemon(t *testing.T, env map[string]string) *daemon {
	t.Helper()
	return startCollector(t, filepath.Join(repoRoot, "distributions/daemonset/config.yaml"), env)
}

// startCollector runs the binary with config until the test stops it.
func startCollector(t *testing.T, config string, env map[string]string) *daemon {
	t.Helper()
	cmd := exec.Command(collectorBinary(t), "--config", config)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	d := &daemon{cmd: cmd, out: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() { d.stop(t) })
	return d
}

// waitFor polls until the daemon's output or the filesystem shows cond.
func (d *daemon) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second) // hang guard, not a performance bound
	for !cond() {
		select {
		case <-d.exited:
			t.Fatalf("collector exited while waiting for %s; output:\n%s", what, d.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s; output:\n%s", what, d.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *daemon) stop(t *testing.T) {
	select {
	case <-d.exited:
		return
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
		t.Errorf("collector ignored SIGTERM; output:\n%s", d.out.String())
	}
}

// Patching DIAGNOSTIC_RUN_ID in the mounted ConfigMap (here: its file) makes
// the running collector collect once more per new ID; a restart with the
// same ID collects nothing.
func TestDaemonSetCollectsOncePerRunID(t *testing.T) {
	work := t.TempDir()
	configDir := filepath.Join(work, "config")
	require.NoError(t, os.MkdirAll(configDir, 0o755))
	setRunID := func(id string) {
		require.NoError(t, os.WriteFile(filepath.Join(configDir, "DIAGNOSTIC_RUN_ID"), []byte(id), 0o644))
	}
	out := filepath.Join(work, "output")
	env := map[string]string{
		"PERISCOPE_CONFIG_DIR":           configDir,
		"PERISCOPE_RUN_ID_POLL_INTERVAL": "100ms",
		// The connectivity probes target public hosts: never from tests.
		"PERISCOPE_DISABLE_COLLECTORS": "networkoutbound kubeobjects systemperf pdb",
		"PERISCOPE_ROOT_PATH":          fixture(t, "noderoot-azure"),
		"PERISCOPE_OUTPUT_DIR":         out,
		"PERISCOPE_STATE_DIR":          filepath.Join(work, "state"),
		"HOST_NODE_NAME":               "node-0",
		"PERISCOPE_POD_RESOLV_CONF":    fixture(t, "pod-resolv.conf"),
		// The fixture root has no journalctl: systemlogs names each unit.
		"PERISCOPE_JOURNAL_ROOT_PATH": fixture(t, "noderoot-azure"),
	}
	zipOf := func(id string) string { return filepath.Join(out, id, "node-0", "node-0.zip") }
	exists := func(p string) func() bool {
		return func() bool { _, err := os.Stat(p); return err == nil }
	}

	setRunID("2026-11-28T10-00-00Z")
	d := startDaemon(t, env)
	d.waitFor(t, "the first run", exists(zipOf("2026-11-28T10-00-00Z")))
	setRunID("2026-11-28T11-00-00Z")
	d.waitFor(t, "the second run", exists(zipOf("2026-11-28T11-00-00Z")))
	setRunID("2026-11-28T12-00-00Z")
	d.waitFor(t, "the third run", exists(zipOf("2026-11-28T12-00-00Z")))
	d.waitFor(t, "the third run recorded", func() bool {
		return countLines(d.out.String(), "Run completed on this node", `"run_id": "2026-11-28T12-00-00Z"`) == 1
	})
	d.stop(t)

	logs := d.out.String()
	for _, id := range []string{"2026-11-28T10-00-00Z", "2026-11-28T11-00-00Z", "2026-11-28T12-00-00Z"} {
		assert.Equal(t, 1, countLines(logs, "Periscope run written", `"run_id": "`+id+`"`), "run %s written exactly once:\n%s", id, logs)
		runTree := subtree(readTree(t, out), id+"/")
		splitDiagnoses(t, runTree, id, "node-0")
		want := withErrors(azureNodeTree(t, id, "node-0", "pod-resolv.conf", logsCopied), id, "node-0", noJournalctl(fixture(t, "noderoot-azure")))
		assert.Equal(t, sortedErrors(want), sortedErrors(runTree), "each run holds every node log whole, not only lines written since the previous run")
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 3, "exactly three runs")
	assert.Equal(t, "2026-11-28T12-00-00Z\n", readFile(t, filepath.Join(work, "state", "last-completed-run")))

	// A restart with the same run ID: nothing collected, nothing rewritten.
	before, err := os.Stat(zipOf("2026-11-28T12-00-00Z"))
	require.NoError(t, err)
	again := startDaemon(t, env)
	again.waitFor(t, "the restart to notice the completed run", func() bool {
		return strings.Contains(again.out.String(), "Run already collected on this node; waiting for a new run ID")
	})
	again.stop(t)
	assert.NotContains(t, again.out.String(), "Periscope run written")
	after, err := os.Stat(zipOf("2026-11-28T12-00-00Z"))
	require.NoError(t, err)
	assert.Equal(t, before.ModTime(), after.ModTime())
}

// countLines counts the lines that contain every one of parts.
func countLines(text string, parts ...string) int {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

// subtree keeps the entries of tree under prefix.
func subtree(tree map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range tree {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

// After its zip a DaemonSet's run keeps gathering (tailed node logs here;
// probes on a cluster). With PERISCOPE_PUBLISH_INTERVAL what it gathered is
// published without waiting for the next run ID: a line appended to a node
// log reaches the zip and status.json, logged as an update.
func TestDaemonSetPublishesWhatItGathersAfterTheZip(t *testing.T) {
	work := t.TempDir()
	root := filepath.Join(work, "noderoot")
	require.NoError(t, os.CopyFS(root, os.DirFS(fixture(t, "noderoot-azure"))))
	configDir := filepath.Join(work, "config")
	require.NoError(t, os.MkdirAll(configDir, 0o755))
	const id = "2026-11-29T05-00-00Z"
	require.NoError(t, os.WriteFile(filepath.Join(configDir, "DIAGNOSTIC_RUN_ID"), []byte(id), 0o644))
	out := filepath.Join(work, "output")
	d := startDaemon(t, map[string]string{
		"PERISCOPE_CONFIG_DIR":         configDir,
		"PERISCOPE_PUBLISH_INTERVAL":   "300ms",
		"PERISCOPE_DISABLE_COLLECTORS": "networkoutbound kubeobjects systemperf pdb",
		"PERISCOPE_ROOT_PATH":          root,
		"PERISCOPE_OUTPUT_DIR":         out,
		"PERISCOPE_STATE_DIR":          filepath.Join(work, "state"),
		"HOST_NODE_NAME":               "node-0",
		"PERISCOPE_POD_RESOLV_CONF":    fixture(t, "pod-resolv.conf"),
		"PERISCOPE_JOURNAL_ROOT_PATH":  root,
	})
	nodeDir := filepath.Join(out, id, "node-0")
	zipPath := filepath.Join(nodeDir, "node-0.zip")
	d.waitFor(t, "the run's zip", func() bool { _, err := os.Stat(zipPath); return err == nil })
	const entry = "nodelogs/var_log_cloud-init.log"
	first := readTree(t, nodeDir)["node-0.zip!"+entry]
	require.NotEmpty(t, first)

	// filelog tails from the end of the file as its first poll finds it: a
	// line written before that poll is part of the copy's file, not tailed.
	d.waitFor(t, "filelog tailing the node log", func() bool {
		return countLines(d.out.String(), "Started watching file", "var/log/cloud-init.log") > 0
	})
	const later = "2026-11-29 05:01:00,000 - later line written after the zip"
	f, err := os.OpenFile(filepath.Join(root, "var/log/cloud-init.log"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(later + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	d.waitFor(t, "the appended line in the zip", func() bool {
		return readTree(t, nodeDir)["node-0.zip!"+entry] == first+later+"\n"
	})
	d.waitFor(t, "the update logged", func() bool {
		return countLines(d.out.String(), "Periscope run updated", `"run_id": "`+id+`"`) > 0
	})
	st := readStatus(t, nodeDir)
	assert.True(t, st.Delivered)
	d.stop(t)
	assert.Equal(t, 1, countLines(d.out.String(), "Periscope run written", `"run_id": "`+id+`"`), "written once, then updated")
	assert.Equal(t, first+later+"\n", readFile(t, filepath.Join(nodeDir, "var_log_cloud-init.log")))
}
