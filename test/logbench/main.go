//go:build linux

// Command logbench measures what collecting container logs costs a
// one-shot run of otelcol-periscope, next to the shell doing the same job,
// for the issue "Logs at disk speed". At each size it writes a kubelet
// pod-log tree (test/logfixture: CRI lines in -files files, a quarter of
// them with an identical first 8 KiB), reads every file once so the page
// cache is warm, then runs, one after the other:
//
//	(i)   the one-shot binary with the tree's namespaces selected
//	(ii)  cp of each file to its item name, then zip -q -r -1 of the copies
//	(iii) the one-shot binary with no container logs selected
//
// and prints, for each, the CPU seconds (user+sys of the child and the
// children it waited for, from wait4's rusage as GNU time reports it), the
// wall seconds and the peak RSS (rusage maxrss), then the targets: CPU and wall of
// (i)/(ii) at most 1.0, and peak RSS of (i) minus (iii) at most 16 MiB.
// The exit code is 1 when a CPU or memory target is missed at any size;
// wall clock is reported, never judged (the machine is shared).
//
//	go run ./test/logbench                        # 256 MiB, then 1 GiB
//	go run ./test/logbench -sizes 64MiB -files 50 # a quick look
//
// Both runs of the binary turn off the collectors that probe the network
// (networkoutbound kubeobjects systemperf pdb, as the e2e tests do) and
// node logs (the tree has none, and an empty node log list is refused);
// the others find nothing on the fixture root, as in (iii).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/periscope-otel/periscope/test/collectorbin"
	"github.com/periscope-otel/periscope/test/logfixture"
)

const (
	cpuTarget  = 1.0
	wallTarget = 1.0
	rssTarget  = 16 << 20

	runID = "2026-11-28T12-00-00Z"
	node  = "logbench"
	// disabled are the collectors both runs of the binary turn off.
	disabled = "networkoutbound kubeobjects systemperf pdb nodelogs"
)

func main() {
	bin := flag.String("bin", defaultBin(), "the distribution binary ($PERISCOPE_BIN, else _build/otelcol-periscope)")
	sizes := flag.String("sizes", "256MiB,1GiB", "comma-separated tree sizes (KiB, MiB, GiB)")
	files := flag.Int("files", 200, "container log files per tree")
	shared := flag.Float64("shared", 0.25, "fraction of files with an identical first 8 KiB")
	dir := flag.String("dir", os.TempDir(), "where the trees and outputs are written (disk-backed)")
	runs := flag.Int("runs", 1, "runs of each measurement; the median of each figure is shown")
	timeout := flag.Duration("timeout", 20*time.Minute, "longest a single run may take before it is killed")
	flag.Parse()

	if _, err := os.Stat(*bin); err != nil {
		fatalf("the binary: %v (build it with make build, or set -bin / PERISCOPE_BIN)", err)
	}
	if _, err := exec.LookPath("zip"); err != nil {
		fatalf("(ii) needs zip: %v", err)
	}
	if logfixture.OnTmpfs(*dir) {
		fmt.Printf("warning: %s is tmpfs: the outputs stay in memory; use -dir on a disk-backed file system\n", *dir)
	}
	b := &bench{bin: *bin, files: *files, shared: *shared, dir: *dir, runs: max(*runs, 1), timeout: *timeout}
	go b.cleanUpOnSignal()
	if p, err := exec.LookPath("/usr/bin/time"); err == nil {
		b.time = p
	} else {
		fmt.Println("warning: no GNU time (/usr/bin/time): peak RSS is Go's wait4 figure, at least this process's own peak")
	}
	missed := false
	for _, s := range strings.Split(*sizes, ",") {
		size, err := parseSize(strings.TrimSpace(s))
		if err != nil {
			fatalf("-sizes: %v", err)
		}
		ok, err := b.size(size)
		if err != nil {
			fatalf("%s: %v", s, err)
		}
		missed = missed || !ok
	}
	if missed {
		fmt.Println("logbench: a CPU or memory target is not met")
		os.Exit(1)
	}
}

// cleanUpOnSignal ends the run in progress and removes the tree when the
// bench is interrupted: each run is its own process group (so the timeout
// can kill it whole), which a terminal's Ctrl-C does not reach.
func (b *bench) cleanUpOnSignal() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	b.mu.Lock()
	if b.running != 0 {
		_ = syscall.Kill(-b.running, syscall.SIGKILL)
	}
	if b.work != "" {
		os.RemoveAll(b.work)
	}
	fatalf("interrupted")
}

type bench struct {
	mu            sync.Mutex // guards running and work against cleanUpOnSignal
	running       int        // the process group of the run in progress
	bin           string
	files         int
	shared        float64
	dir           string
	runs          int
	timeout       time.Duration
	time          string // GNU time, which measures each run
	tree          *logfixture.Tree
	work, outputs string
}

// measure is one run: what wait4 reported.
type measure struct {
	cpu, wall time.Duration
	maxRSS    int64 // bytes
	code      int
	note      string
}

// size writes a tree of about size bytes, measures (i), (ii) and (iii) on
// it and prints them; false when a judged target is missed.
func (b *bench) size(size int64) (bool, error) {
	work, err := os.MkdirTemp(b.dir, "logbench-")
	if err != nil {
		return false, err
	}
	b.mu.Lock()
	b.work, b.outputs = work, filepath.Join(work, "out")
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		os.RemoveAll(work)
		b.work = ""
	}()

	began := time.Now()
	b.tree, err = logfixture.Pods(filepath.Join(work, "node"), logfixture.Options{
		Seed: uint64(size), Namespaces: []string{"kube-system", "monitoring"},
		Containers: b.files, Bytes: size, SharedHead: b.shared,
	})
	if err != nil {
		return false, err
	}
	generated := time.Since(began)
	began = time.Now()
	if err := b.warm(); err != nil {
		return false, err
	}
	nShared := 0
	for _, f := range b.tree.Files {
		if f.SharedHead {
			nShared++
		}
	}
	fmt.Printf("\n%s of CRI container logs in %d files (%d share an identical first %d bytes), under %s\n",
		human(b.tree.Bytes()), len(b.tree.Files), nShared, b.tree.SharedHeadBytes, work)
	fmt.Printf("  written in %.1f s; page cache warm: every file read once before measuring (%.1f s); sync before each run\n",
		generated.Seconds(), time.Since(began).Seconds())

	rows := []struct {
		name string
		run  func() (measure, error)
	}{
		{"(i)   otelcol-periscope", func() (measure, error) { return b.periscope(b.tree.ContainerLogsList(), true) }},
		{"(ii)  cp + zip -q -r -1", b.shell},
		{"(iii) otelcol-periscope, no logs", func() (measure, error) { return b.periscope("no-logs-here", false) }},
	}
	results := make([]measure, len(rows))
	fmt.Printf("  %-34s %8s %8s %14s %5s  %s\n", "", "cpu s", "wall s", "peak RSS MiB", "exit", "output")
	for i, row := range rows {
		var all []measure
		for range b.runs {
			m, err := row.run()
			if err != nil {
				return false, fmt.Errorf("%s: %w", strings.TrimSpace(row.name), err)
			}
			all = append(all, m)
		}
		results[i] = median(all)
		m := results[i]
		fmt.Printf("  %-34s %8.2f %8.2f %14.1f %5d  %s\n", row.name, m.cpu.Seconds(), m.wall.Seconds(), float64(m.maxRSS)/(1<<20), m.code, m.note)
	}

	i, ii, iii := results[0], results[1], results[2]
	cpu := i.cpu.Seconds() / ii.cpu.Seconds()
	wall := i.wall.Seconds() / ii.wall.Seconds()
	rss := i.maxRSS - iii.maxRSS
	ok := cpu <= cpuTarget && rss <= rssTarget
	fmt.Printf("  cpu  (i)/(ii)    = %6.2f       target <= %.1f: %s\n", cpu, cpuTarget, verdict(cpu <= cpuTarget, ""))
	fmt.Printf("  wall (i)/(ii)    = %6.2f       target <= %.1f: %s\n", wall, wallTarget, verdict(wall <= wallTarget, " (reported, not judged)"))
	fmt.Printf("  RSS  (i) - (iii) = %6.1f MiB   target <= %d MiB: %s\n", float64(rss)/(1<<20), rssTarget>>20, verdict(rss <= rssTarget, ""))
	if i.code != 0 {
		fmt.Printf("  (i) exited with code %d: its figures are of a run that did not succeed\n", i.code)
		ok = false
	}
	return ok, nil
}

// warm reads every file once.
func (b *bench) warm() error {
	for _, f := range b.tree.Files {
		fh, err := os.Open(f.Path)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, fh)
		fh.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// periscope runs the one-shot binary; check counts the items that came
// out with the right size.
func (b *bench) periscope(list string, check bool) (measure, error) {
	if err := b.reset(); err != nil {
		return measure{}, err
	}
	cmd := exec.Command(b.bin)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"PERISCOPE_CONFIG_DIR=" + filepath.Join(b.work, "no-config"),
		"PERISCOPE_ROOT_PATH=" + b.tree.Root,
		"PERISCOPE_OUTPUT_DIR=" + b.outputs,
		"DIAGNOSTIC_RUN_ID=" + runID,
		"HOST_NODE_NAME=" + node,
		"DIAGNOSTIC_CONTAINERLOGS_LIST=" + list,
		"PERISCOPE_DISABLE_COLLECTORS=" + disabled,
	}
	m, out, err := b.run(cmd)
	if err != nil {
		return m, err
	}
	nodeDir := filepath.Join(b.outputs, runID, node)
	if m.code != 0 {
		m.note = "failed: " + lastLine(out)
	}
	if !check {
		return m, nil
	}
	present, right := 0, 0
	for _, f := range b.tree.Files {
		if fi, err := os.Stat(filepath.Join(nodeDir, f.Key)); err == nil {
			present++
			if fi.Size() == f.Size {
				right++
			}
		}
	}
	zip, _ := os.Stat(filepath.Join(nodeDir, node+".zip"))
	m.note = strings.TrimPrefix(m.note+"; ", "; ") + fmt.Sprintf("%d/%d items, %d of the file's size; %s in all, zip %s",
		present, len(b.tree.Files), right, human(dirBytes(nodeDir)), human(sizeOf(zip)))
	return m, nil
}

// shell copies every file to its item name and zips the copies, in one sh
// so wait4 counts every cp and the zip.
func (b *bench) shell() (measure, error) {
	if err := b.reset(); err != nil {
		return measure{}, err
	}
	copies := filepath.Join(b.outputs, "copies")
	var script strings.Builder
	script.WriteString("set -e\nmkdir -p " + quote(copies) + "\n")
	for _, f := range b.tree.Files {
		if f.Gzip {
			return measure{}, errors.New("the shell job copies files; a gzip rotation would need zcat")
		}
		fmt.Fprintf(&script, "cp -- %s %s\n", quote(f.Path), quote(filepath.Join(copies, f.Key)))
	}
	fmt.Fprintf(&script, "cd %s\nzip -q -r -1 ../%s.zip .\n", quote(copies), node)
	path := filepath.Join(b.work, "shell.sh")
	if err := os.WriteFile(path, []byte(script.String()), 0o644); err != nil {
		return measure{}, err
	}
	m, out, err := b.run(exec.Command("/bin/sh", path))
	if err != nil {
		return m, err
	}
	if m.code != 0 {
		m.note = "failed: " + lastLine(out)
		return m, nil
	}
	zip, _ := os.Stat(filepath.Join(b.outputs, node+".zip"))
	m.note = fmt.Sprintf("%d copies, %s in all, zip %s", len(b.tree.Files), human(dirBytes(b.outputs)), human(sizeOf(zip)))
	return m, nil
}

// reset removes the last run's output and writes back what is dirty, so
// no run pays for another's writes.
func (b *bench) reset() error {
	if err := os.RemoveAll(b.outputs); err != nil {
		return err
	}
	if err := os.MkdirAll(b.outputs, 0o755); err != nil {
		return err
	}
	syscall.Sync()
	return nil
}

// run runs argv to its end under GNU time, which reports the child's
// rusage as wait4 gave it: CPU (user+sys of the child and the children it
// waited for) and peak RSS. Go's own wait4 would do for CPU but not for
// RSS: Go starts a child with vfork (CLONE_VM), so the kernel seeds the
// child's maxrss with this process's peak RSS when it execs; time forks.
// Without time, that is what is reported, and said.
func (b *bench) run(cmd *exec.Cmd) (measure, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	timeOut := filepath.Join(b.work, "time.out")
	os.Remove(timeOut)
	if b.time != "" {
		cmd.Args = append([]string{b.time, "-f", "%U %S %M", "-o", timeOut}, cmd.Args...)
		cmd.Path = b.time
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	began := time.Now()
	b.mu.Lock()
	err := cmd.Start()
	if err == nil {
		b.running = cmd.Process.Pid
	}
	b.mu.Unlock()
	if err != nil {
		return measure{}, "", err
	}
	defer func() {
		b.mu.Lock()
		b.running = 0
		b.mu.Unlock()
	}()
	// time and what it runs are a process group: -timeout kills them all.
	stop := context.AfterFunc(ctx, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer stop()
	err = cmd.Wait()
	m := measure{wall: time.Since(began), code: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		return m, out.String(), fmt.Errorf("killed after %s (-timeout)", b.timeout)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return m, out.String(), err
	}
	if b.time == "" {
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		m.maxRSS = ru.Maxrss << 10 // KiB on Linux
		return m, out.String(), nil
	}
	data, err := os.ReadFile(timeOut)
	if err != nil {
		return m, out.String(), fmt.Errorf("GNU time's report: %w", err)
	}
	// The last line is the format's; one before it may say how the
	// command ended ("Command exited with non-zero status 1").
	report := strings.Fields(lastLine(string(data)))
	if len(report) != 3 {
		return m, out.String(), fmt.Errorf("GNU time's report: %q", data)
	}
	user, err1 := strconv.ParseFloat(report[0], 64)
	sys, err2 := strconv.ParseFloat(report[1], 64)
	rss, err3 := strconv.ParseInt(report[2], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return m, out.String(), fmt.Errorf("GNU time's report %q: %w", data, err)
	}
	m.cpu = time.Duration((user + sys) * float64(time.Second))
	m.maxRSS = rss << 10
	return m, out.String(), nil
}

// median takes each figure's median over the runs.
func median(ms []measure) measure {
	pick := func(key func(measure) int64) int64 {
		v := make([]int64, len(ms))
		for i, m := range ms {
			v[i] = key(m)
		}
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		return v[len(v)/2]
	}
	m := ms[len(ms)-1]
	m.cpu = time.Duration(pick(func(m measure) int64 { return int64(m.cpu) }))
	m.wall = time.Duration(pick(func(m measure) int64 { return int64(m.wall) }))
	m.maxRSS = pick(func(m measure) int64 { return m.maxRSS })
	return m
}

func verdict(met bool, note string) string {
	if met {
		return "met" + note
	}
	return "NOT met" + note
}

func defaultBin() string {
	if p := os.Getenv("PERISCOPE_BIN"); p != "" {
		return p
	}
	return filepath.Join(collectorbin.RepoRoot(), "_build", "otelcol-periscope")
}

func parseSize(s string) (int64, error) {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"", 0}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("%q is not a size such as 256MiB", s)
			}
			return n << u.shift, nil
		}
	}
	return 0, fmt.Errorf("%q is not a size", s)
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}

func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	l := lines[len(lines)-1]
	if len(l) > 160 {
		l = l[:160] + "…"
	}
	return l
}

// quote makes s one word for sh.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "logbench: "+format+"\n", args...)
	os.Exit(2)
}
