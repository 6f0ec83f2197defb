//go:build linux

package containerlogs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/logfixture"
)

// cgroupMemory is where the cgroup v1 memory controller is mounted.
const cgroupMemory = "/sys/fs/cgroup/memory"

// memoryLimit is the cgroup's limit: the budget for a one-shot
// run, whatever the log volume.
const memoryLimit = 128 << 20

// A one-shot run over 1 GiB of selected container logs finishes inside a
// 128 MiB memory cgroup, with every item in the zip. The cgroup counts the
// page cache of what the run writes too (cgroup v1 charges it to the
// writer), so its peak usage sits near the limit however little the
// process itself holds; what matters is that the run ends well and the
// cgroup never killed anything.
func TestOneGiBOfContainerLogsInA128MiBCgroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a memory cgroup")
	}
	if _, err := os.Stat(filepath.Join(cgroupMemory, "memory.limit_in_bytes")); err != nil {
		t.Skipf("needs the cgroup v1 memory controller at %s: %v", cgroupMemory, err)
	}
	r := newRun(t, diskTempDir(t))
	began := time.Now()
	tree, err := logfixture.Pods(r.root, logfixture.Options{
		Seed: 1 << 30, Namespaces: []string{"kube-system", "monitoring"},
		Containers: 64, Bytes: 1 << 30, SharedHead: 0.25,
	})
	require.NoError(t, err)
	t.Logf("wrote %s in %s", logSizes(tree), time.Since(began).Round(time.Millisecond))
	r.env["DIAGNOSTIC_CONTAINERLOGS_LIST"] = tree.ContainerLogsList()
	r.env["PERISCOPE_DISABLE_COLLECTORS"] = onlyLogs + " nodelogs"

	cg := newMemoryCgroup(t, memoryLimit)
	// The shell joins the cgroup, then becomes the binary: everything the
	// run allocates is charged there. GNU time, outside the cgroup, reports
	// the run's own peak RSS: Go's wait4 figure would be at least this test
	// process's peak (Go starts children with vfork, and the kernel carries
	// the parent's peak into the child's maxrss at exec).
	var wrap []string
	timeOut := filepath.Join(r.root, "..", "time.out")
	timeBin, err := exec.LookPath("/usr/bin/time")
	if err == nil {
		wrap = []string{timeBin, "-f", "%M", "-o", timeOut}
	}
	wrap = append(wrap, "/bin/sh", "-c", `echo $$ > "$0" && exec "$@"`, filepath.Join(cg, "cgroup.procs"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd, out := r.command(t, ctx, wrap...)
	started := time.Now()
	require.NoError(t, cmd.Start())
	res := wait(t, ctx, cmd, out, started)

	rss := fmt.Sprintf("%.1f MiB (Go's wait4: includes this test's own peak; no /usr/bin/time)", float64(res.usage.Maxrss)/1024)
	if timeBin != "" {
		report, err := os.ReadFile(timeOut)
		require.NoError(t, err, "GNU time's report")
		// "Command terminated by signal 9" and the like come before %M.
		lines := strings.Split(strings.TrimSpace(string(report)), "\n")
		rss = strings.Join(lines, "; ")
		if kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64); err == nil {
			rss = strings.Join(append(lines[:len(lines)-1], fmt.Sprintf("%.1f MiB", float64(kib)/1024)), "; ")
		}
	}
	peak, failcnt := readInt(t, cg, "memory.max_usage_in_bytes"), readInt(t, cg, "memory.failcnt")
	ooms := oomKills(t, cg)
	t.Logf("run: %s wall, %.1f s cpu; process peak RSS %s; cgroup: peak usage %.1f MiB of %d MiB (page cache included), failcnt %d, oom_kill %d",
		res.wall.Round(time.Millisecond), cpuSeconds(res.usage), rss,
		float64(peak)/(1<<20), memoryLimit>>20, failcnt, ooms)
	assert.Zero(t, ooms, "the cgroup's OOM killer killed a process of the run")
	require.Equal(t, 0, res.code, "%s", res)

	// Every item, in the zip (its recorded size and CRC-32: reading back
	// 2 GiB would double the test's time) and as a file (its size).
	zip := r.zip(t)
	var missing, wrong failures
	for _, f := range tree.Files {
		zf, ok := zip[f.ZipEntry()]
		switch {
		case !ok:
			missing.add("no zip entry %s (%s)", f.ZipEntry(), f.NodePath)
		case int64(zf.UncompressedSize64) != f.Size || zf.CRC32 != f.CRC32:
			wrong.add("zip entry %s: %d bytes, CRC-32 %08x; want %d, %08x", f.ZipEntry(), zf.UncompressedSize64, zf.CRC32, f.Size, f.CRC32)
		}
		if fi, err := os.Stat(r.item(f.Key)); err != nil {
			missing.add("no item %s (%s)", f.Key, f.NodePath)
		} else if fi.Size() != f.Size {
			wrong.add("item %s: %d bytes, want %d", f.Key, fi.Size(), f.Size)
		}
	}
	missing.report(t, "items or zip entries missing")
	wrong.report(t, "items or zip entries are not their node file")
}

// newMemoryCgroup creates a cgroup v1 memory group with the limit and
// removes it when the test ends (its processes have exited by then).
func newMemoryCgroup(t *testing.T, limit int64) string {
	t.Helper()
	dir := filepath.Join(cgroupMemory, fmt.Sprintf("periscope-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	require.NoError(t, os.Mkdir(dir, 0o755))
	t.Cleanup(func() {
		// The kernel frees an emptied group a moment after its last task.
		var err error
		for range 50 {
			if err = syscall.Rmdir(dir); err == nil || errors.Is(err, syscall.ENOENT) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("remove the cgroup %s: %v", dir, err)
	})
	write := func(name, value string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(value), 0o644), "%s/%s", dir, name)
	}
	write("memory.limit_in_bytes", strconv.FormatInt(limit, 10))
	if _, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes")); err == nil {
		// No escape to swap either (where the machine has any).
		write("memory.memsw.limit_in_bytes", strconv.FormatInt(limit, 10))
	}
	return dir
}

func readInt(t *testing.T, dir, name string) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	require.NoError(t, err, "%s/%s", dir, name)
	return n
}

// oomKills is memory.oom_control's oom_kill count (kernels since 4.13).
func oomKills(t *testing.T, dir string) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "memory.oom_control"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	return 0
}

func cpuSeconds(u *syscall.Rusage) float64 {
	if u == nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
}
