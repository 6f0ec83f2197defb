package kubeletargsreceiver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The receiver finds a real process in the real /proc by its name and reads
// the config file its --config names. The process is a fixture program with
// a name no real kubelet has, so a kubelet running on the machine is not
// picked up.
func TestCollectFindsARealProcess(t *testing.T) {
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go tool builds the fixture program")
	dir := t.TempDir()
	const name = "pscpkubelet" // at most 15 characters: comm is truncated beyond
	bin := filepath.Join(dir, name)
	build := exec.Command(goTool, "build", "-o", bin, "./testdata/fixture-kubelet-program")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build the fixture program: %s", out)
	configPath := filepath.Join(dir, "kubelet.yaml")
	require.NoError(t, os.WriteFile(configPath, []byte("kind: KubeletConfiguration\nmaxPods: 42\n"), 0o644))

	proc := exec.Command(bin, "--config="+configPath, "--node-labels=a=b,c=d", "--max-pods", "42", "--fail-swap-on", "--node-ip=10.224.0.4")
	stdin, err := proc.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, proc.Start())
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = proc.Wait()
	})

	// Start returns once the exec began; the kernel names the process
	// and lays out its arguments a moment later. Collect after that:
	// before, the receiver rightly finds no such process, or an empty
	// command line.
	procDir := filepath.Join("/proc", strconv.Itoa(proc.Process.Pid))
	require.Eventually(t, func() bool {
		comm, err1 := os.ReadFile(filepath.Join(procDir, "comm"))
		cmdline, err2 := os.ReadFile(filepath.Join(procDir, "cmdline"))
		return err1 == nil && err2 == nil && string(comm) == name+"\n" && strings.Contains(string(cmdline), "--node-ip")
	}, 10*time.Second, time.Millisecond)

	records := collect(t, &Config{RootPath: "/", ProcessName: name, CollectConfig: true}).
		ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	var bodies []string
	for i := 0; i < records.Len(); i++ {
		bodies = append(bodies, records.At(i).Body().AsString())
	}
	require.Equal(t, 2, records.Len(), "records: %q", bodies)
	cmd := records.At(0)
	assert.Equal(t, bin+" --config="+configPath+" --node-labels=a=b,c=d --max-pods 42 --fail-swap-on --node-ip=10.224.0.4\n", cmd.Body().Str())
	attrs := cmd.Attributes().AsRaw()
	assert.Equal(t, int64(proc.Process.Pid), attrs["periscope.kubelet.pid"])
	assert.Equal(t, "/proc/"+strconv.Itoa(proc.Process.Pid)+"/cmdline", attrs["periscope.source.path"])
	assert.Equal(t, map[string]any{
		"config": configPath, "node-labels": "a=b,c=d", "max-pods": "42", "fail-swap-on": "true", "node-ip": "10.224.0.4",
	}, attrs["periscope.kubelet.flags"])

	config := records.At(1)
	assert.Equal(t, "kind: KubeletConfiguration\nmaxPods: 42\n", config.Body().Str())
	assert.Equal(t, map[string]any{"kind": "KubeletConfiguration", "maxPods": int64(42)}, config.Attributes().AsRaw()["periscope.kubelet.config"])
}
