//go:build linux

// Package containerlogs runs the distribution's one-shot binary over
// kubelet pod-log trees and node logs written by test/logfixture: the
// items are the node's files byte for byte, a gigabyte is collected in a
// small memory cgroup, and a log truncated or replaced while the run
// copies it is named in the run's outcome.
package containerlogs

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/collectorbin"
	"github.com/periscope-otel/periscope/test/logfixture"
)

const (
	runID = "2026-11-28T12-00-00Z"
	node  = "aks-nodepool1-12345678-vmss000000"

	// exitIncomplete is the one-shot exit code of a run in which a file
	// changed under the copy.
	exitIncomplete = 4
	// stageIncomplete is the status.json error stage of such an item.
	stageIncomplete = "incomplete"

	// onlyLogs turns off every collector but the two log collectors, so
	// nothing probes the network and no unrelated item fails on a fixture
	// root.
	onlyLogs = "networkoutbound kubeobjects systemperf pdb dns iptables kubeletcmd"
)

// run is one one-shot run of the binary over a node root.
type run struct {
	root, out string
	env       map[string]string
}

func newRun(t *testing.T, dir string) *run {
	t.Helper()
	r := &run{root: filepath.Join(dir, "node"), out: filepath.Join(dir, "out")}
	require.NoError(t, os.MkdirAll(r.root, 0o755))
	r.env = map[string]string{
		"DIAGNOSTIC_RUN_ID":            runID,
		"HOST_NODE_NAME":               node,
		"PERISCOPE_ROOT_PATH":          r.root,
		"PERISCOPE_OUTPUT_DIR":         r.out,
		"PERISCOPE_CONFIG_DIR":         filepath.Join(dir, "no-config"),
		"PERISCOPE_DISABLE_COLLECTORS": onlyLogs,
	}
	return r
}

// nodeDir is where the run writes this node's items.
func (r *run) nodeDir() string { return filepath.Join(r.out, runID, node) }

func (r *run) item(key string) string { return filepath.Join(r.nodeDir(), key) }

// command is the binary with a clean Periscope environment; wrap, when
// given, runs first and execs the binary ("$@").
func (r *run) command(t *testing.T, ctx context.Context, wrap ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	bin := collectorbin.Path(t)
	args := append(wrap, bin)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// outcome is how a run ended.
type outcome struct {
	code   int // -1 when killed by a signal
	signal syscall.Signal
	output string
	wall   time.Duration
	usage  *syscall.Rusage
}

// wait waits for cmd and reads its end; a run the guard had to kill fails
// the test.
func wait(t *testing.T, ctx context.Context, cmd *exec.Cmd, output *bytes.Buffer, started time.Time) outcome {
	t.Helper()
	return ended(t, ctx, cmd, cmd.Wait(), output, started)
}

// ended reads the end of cmd, whose Wait returned err.
func ended(t *testing.T, ctx context.Context, cmd *exec.Cmd, err error, output *bytes.Buffer, started time.Time) outcome {
	t.Helper()
	o := outcome{code: cmd.ProcessState.ExitCode(), output: output.String(), wall: time.Since(started)}
	o.usage, _ = cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		o.signal = ws.Signal()
	}
	require.NoError(t, ctx.Err(), "the run did not end by itself within its guard; killed after %s\n%s", o.wall, tail(o.output, 8))
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		require.NoError(t, err)
	}
	return o
}

// runOnce runs the binary to its end.
func (r *run) runOnce(t *testing.T, guard time.Duration) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	cmd, out := r.command(t, ctx)
	started := time.Now()
	require.NoError(t, cmd.Start())
	return wait(t, ctx, cmd, out, started)
}

func (o outcome) String() string {
	how := fmt.Sprintf("exit code %d", o.code)
	if o.signal != 0 {
		how = "killed by " + o.signal.String()
	}
	return fmt.Sprintf("%s after %s; the end of its output:\n%s", how, o.wall.Round(time.Millisecond), tail(o.output, 8))
}

// tail is the last n lines of s, each cut to 240 bytes.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	lines = lines[max(0, len(lines)-n):]
	for i, l := range lines {
		if len(l) > 240 {
			lines[i] = l[:240] + "…"
		}
	}
	return strings.Join(lines, "\n")
}

// status is the part of status.json these tests judge.
type status struct {
	// Complete is a pointer so a status.json without the field is told
	// apart from one saying false.
	Complete *bool `json:"complete"`
	Items    []struct {
		Name      string `json:"name"`
		Collector string `json:"collector"`
		Bytes     int64  `json:"bytes"`
	} `json:"items"`
	Errors []struct {
		Stage   string `json:"stage"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (r *run) status(t *testing.T) status {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.nodeDir(), "status.json"))
	require.NoError(t, err)
	var st status
	require.NoError(t, json.Unmarshal(data, &st), "%s", data)
	return st
}

// complete is status.json's "complete" as text, "absent" when missing.
func (st status) complete() string {
	if st.Complete == nil {
		return "absent"
	}
	return fmt.Sprint(*st.Complete)
}

// zip opens the node zip and maps its entries by name.
func (r *run) zip(t *testing.T) map[string]*zip.File {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join(r.nodeDir(), node+".zip"))
	require.NoError(t, err, "the node zip")
	t.Cleanup(func() { zr.Close() })
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	return entries
}

// failures gathers the per-file problems of a check, so one report lists
// them all (up to a limit) instead of stopping at the first.
type failures struct {
	n    int
	msgs []string
}

func (f *failures) add(format string, args ...any) {
	f.n++
	if len(f.msgs) < 12 {
		f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
	}
}

func (f *failures) report(t *testing.T, what string) {
	t.Helper()
	if f.n > 0 {
		t.Errorf("%d %s; the first %d:\n- %s", f.n, what, len(f.msgs), strings.Join(f.msgs, "\n- "))
	}
}

// diskTempDir is a test directory on a disk-backed file system: files
// written there leave memory when written back, as on a node (on tmpfs
// they would stay in memory, charged to whoever wrote them).
func diskTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if !logfixture.OnTmpfs(dir) {
		return dir
	}
	alt, err := os.MkdirTemp("/var/tmp", "periscope-containerlogs-")
	if err == nil && !logfixture.OnTmpfs(alt) {
		t.Cleanup(func() { os.RemoveAll(alt) })
		return alt
	}
	if err == nil {
		os.RemoveAll(alt)
	}
	t.Skipf("%s is on tmpfs and /var/tmp is no better: this test needs a disk-backed temporary directory (set TMPDIR)", dir)
	return ""
}

// logSizes is a short account of a tree for the test log.
func logSizes(tree *logfixture.Tree) string {
	var gz, shared int
	for _, f := range tree.Files {
		if f.Gzip {
			gz++
		}
		if f.SharedHead {
			shared++
		}
	}
	return fmt.Sprintf("%d files, %.1f MiB (%d gzip rotations; %d share their first %d bytes)",
		len(tree.Files), float64(tree.Bytes())/(1<<20), gz, shared, tree.SharedHeadBytes)
}
