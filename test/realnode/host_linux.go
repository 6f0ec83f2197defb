package realnode

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hostChanges is what a run changed on this machine, kept in a file as it
// happens so that all of it is undone at the end, and at the start of the
// next run when a run was killed before its end (a test timeout, SIGKILL).
// Undo runs in a fixed order (processes, mounts, cgroups, paths, sysctls,
// mount propagation, addresses, the work directory) whatever the order the
// changes were made in.
type hostChanges struct {
	file string
	// Work is the run's directory (containerd's and the kubelet's state,
	// logs); processes whose command line names it are the run's.
	Work string `json:"work"`
	// Addresses added to lo ("198.19.255.254/32").
	Addresses []string `json:"addresses,omitempty"`
	// Shared are mount points made shared that were private.
	Shared []string `json:"shared,omitempty"`
	// Sysctls are values to put back, by /proc/sys path.
	Sysctls map[string]string `json:"sysctls,omitempty"`
	// Cgroup is the cgroup (v1: in every hierarchy) made for the kubelet's
	// pods, "/periscope-realnode".
	Cgroup string `json:"cgroup,omitempty"`
	// Trees are paths that did not exist before the run (the kubelet and
	// containerd made them): removed whole.
	Trees []string `json:"trees,omitempty"`
}

// loadHostChanges reads the record left by a run that did not finish, if
// any.
func loadHostChanges(file string) (*hostChanges, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	h := &hostChanges{file: file}
	if err := json.Unmarshal(data, h); err != nil {
		return nil, fmt.Errorf("read %s: %w (remove it after checking the host by hand)", file, err)
	}
	return h, nil
}

// save writes the record before the change it lists is made (a crash in
// between leaves a change listed that was not made, which undo skips).
func (h *hostChanges) save() error {
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	tmp := h.file + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("record host changes: %w", err)
	}
	if err := os.Rename(tmp, h.file); err != nil {
		return fmt.Errorf("record host changes: %w", err)
	}
	return nil
}

// addAddress puts cidr on lo.
func (h *hostChanges) addAddress(cidr string) error {
	h.Addresses = append(h.Addresses, cidr)
	if err := h.save(); err != nil {
		return err
	}
	if out, err := exec.Command("ip", "addr", "add", cidr, "dev", "lo").CombinedOutput(); err != nil {
		return fmt.Errorf("ip addr add %s dev lo: %w: %s", cidr, err, out)
	}
	return nil
}

// makeShared makes mount point mp shared (not its submounts) when it is
// private, as systemd leaves / on a real host: the kubelet's
// HostToContainer propagation needs it.
func (h *hostChanges) makeShared(mp string) error {
	prop, err := propagation(mp)
	if err != nil {
		return err
	}
	if prop != "private" {
		return nil
	}
	h.Shared = append(h.Shared, mp)
	if err := h.save(); err != nil {
		return err
	}
	if err := syscall.Mount("", mp, "", syscall.MS_SHARED, ""); err != nil {
		return fmt.Errorf("make %s a shared mount: %w", mp, err)
	}
	return nil
}

// recordSysctls keeps the current values of keys (paths under
// /proc/sys), which the kubelet sets at its start.
func (h *hostChanges) recordSysctls(keys ...string) error {
	if h.Sysctls == nil {
		h.Sysctls = map[string]string{}
	}
	for _, k := range keys {
		v, err := os.ReadFile(filepath.Join("/proc/sys", k))
		if err != nil {
			return fmt.Errorf("read sysctl %s: %w", k, err)
		}
		h.Sysctls[k] = strings.TrimSpace(string(v))
	}
	return h.save()
}

// watchPath records path for removal when it does not exist now. A path
// that exists is left alone (it is not this run's).
func (h *hostChanges) watchPath(path string) (existed bool, err error) {
	if _, err := os.Lstat(path); err == nil {
		return true, nil
	}
	h.Trees = append(h.Trees, path)
	return false, h.save()
}

// makeCgroup creates cgroup name in every cgroup v1 hierarchy (the kubelet
// wants its --cgroup-root to exist), cpuset's with its parent's CPUs and
// memory nodes.
func (h *hostChanges) makeCgroup(name string) error {
	h.Cgroup = name
	if err := h.save(); err != nil {
		return err
	}
	hierarchies, err := cgroupHierarchies()
	if err != nil {
		return err
	}
	for _, root := range hierarchies {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create cgroup %s: %w", dir, err)
		}
		if filepath.Base(root) == "cpuset" {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				v, err := os.ReadFile(filepath.Join(root, f))
				if err != nil {
					return fmt.Errorf("read %s: %w", f, err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), v, 0o644); err != nil {
					return fmt.Errorf("set %s of %s: %w", f, dir, err)
				}
			}
		}
	}
	return nil
}

// undo puts the host back; it is safe to run twice. logf reports each
// step; the error names what could not be undone.
func (h *hostChanges) undo(logf func(string, ...any)) error {
	var errs []error
	fail := func(err error) {
		if err != nil {
			errs = append(errs, err)
			logf("realnode: %v", err)
		}
	}
	// 1. Processes of the run: containerd's shims (started by containerd,
	// reparented when it ended), anything left in the pods' cgroup.
	if h.Work != "" {
		for _, pid := range processesNaming(h.Work) {
			logf("realnode: killing process %d left by the run (%s)", pid, cmdline(pid))
			fail(killPID(pid))
		}
	}
	if h.Cgroup != "" {
		for _, pid := range processesInCgroup(h.Cgroup) {
			logf("realnode: killing process %d left in cgroup %s (%s)", pid, h.Cgroup, cmdline(pid))
			fail(killPID(pid))
		}
	}
	// 2. Mounts under the run's paths (container root filesystems, the
	// kubelet's volume mounts), deepest first.
	prefixes := slices.Clone(h.Trees)
	if h.Work != "" {
		prefixes = append(prefixes, h.Work)
	}
	fail(unmountUnder(prefixes, logf))
	// 3. The pods' cgroups, children first.
	if h.Cgroup != "" {
		fail(removeCgroup(h.Cgroup))
	}
	// 4. Paths the kubelet and containerd created. /run/containerd is
	// shared by every containerd of the machine: while another one runs,
	// only its empty folders go.
	for _, p := range h.Trees {
		if p == "/run/containerd" {
			if other := otherContainerd(h.Work); other != 0 {
				logf("realnode: another containerd (pid %d: %s) runs; removing only the empty folders of %s", other, cmdline(other), p)
				fail(removeEmptyDirs(p))
				continue
			}
		}
		if err := os.RemoveAll(p); err != nil {
			fail(fmt.Errorf("remove %s: %w", p, err))
		}
	}
	// 5. Kernel settings the kubelet changed.
	keys := make([]string, 0, len(h.Sysctls))
	for k := range h.Sysctls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := filepath.Join("/proc/sys", k)
		if cur, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(cur)) == h.Sysctls[k] {
			continue
		}
		if err := os.WriteFile(p, []byte(h.Sysctls[k]+"\n"), 0o644); err != nil {
			fail(fmt.Errorf("restore sysctl %s=%s: %w", k, h.Sysctls[k], err))
		}
	}
	// 6. Mount propagation.
	for _, mp := range h.Shared {
		if err := syscall.Mount("", mp, "", syscall.MS_PRIVATE, ""); err != nil {
			fail(fmt.Errorf("make %s private again: %w", mp, err))
		}
	}
	// 7. Addresses.
	for _, a := range h.Addresses {
		out, err := exec.Command("ip", "addr", "del", a, "dev", "lo").CombinedOutput()
		if err != nil && !strings.Contains(string(out), "Cannot assign requested address") {
			fail(fmt.Errorf("ip addr del %s dev lo: %w: %s", a, err, out))
		}
	}
	// 8. The work directory.
	if h.Work != "" {
		if err := os.RemoveAll(h.Work); err != nil {
			fail(fmt.Errorf("remove %s: %w", h.Work, err))
		}
	}
	if len(errs) == 0 {
		if err := os.Remove(h.file); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// mountInfo is one line of /proc/self/mountinfo.
type mountInfo struct {
	point    string
	optional []string // "shared:1", "master:2", ...
}

func mounts() ([]mountInfo, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mountInfo
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 7 {
			continue
		}
		m := mountInfo{point: unescapeMount(fields[4])}
		for _, o := range fields[6:] {
			if o == "-" {
				break
			}
			m.optional = append(m.optional, o)
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// propagation is "shared", "slave" or "private" for mount point mp (the
// last mount on it).
func propagation(mp string) (string, error) {
	ms, err := mounts()
	if err != nil {
		return "", err
	}
	prop := ""
	for _, m := range ms {
		if m.point != mp {
			continue
		}
		prop = "private"
		for _, o := range m.optional {
			switch {
			case strings.HasPrefix(o, "shared:"):
				prop = "shared"
			case strings.HasPrefix(o, "master:") && prop != "shared":
				prop = "slave"
			}
		}
	}
	if prop == "" {
		return "", fmt.Errorf("%s is not a mount point", mp)
	}
	return prop, nil
}

// unmountUnder detaches every mount at or below one of prefixes, deepest
// first.
func unmountUnder(prefixes []string, logf func(string, ...any)) error {
	ms, err := mounts()
	if err != nil {
		return err
	}
	var points []string
	for _, m := range ms {
		for _, p := range prefixes {
			if m.point == p || strings.HasPrefix(m.point, p+"/") {
				points = append(points, m.point)
				break
			}
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	var errs []error
	for _, p := range slices.Compact(points) {
		logf("realnode: unmounting %s", p)
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// cgroupHierarchies are the mounted cgroup v1 hierarchies
// (/sys/fs/cgroup/cpu, …).
func cgroupHierarchies() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		_, after, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		if fs := strings.Fields(after); len(fs) > 0 && fs[0] == "cgroup" {
			out = append(out, unescapeMount(strings.Fields(line)[4]))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no cgroup v1 hierarchy is mounted (the real node is set up for cgroup v1 with cgroupfs)")
	}
	return out, sc.Err()
}

// processesInCgroup lists the processes in name or below, in any
// hierarchy.
func processesInCgroup(name string) []int {
	hierarchies, err := cgroupHierarchies()
	if err != nil {
		return nil
	}
	seen := map[int]bool{}
	var out []int
	for _, root := range hierarchies {
		_ = filepath.WalkDir(filepath.Join(root, name), func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(filepath.Join(p, "cgroup.procs"))
			if err != nil {
				return nil
			}
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && !seen[pid] {
					seen[pid] = true
					out = append(out, pid)
				}
			}
			return nil
		})
	}
	return out
}

// removeCgroup removes name and its children in every hierarchy.
func removeCgroup(name string) error {
	hierarchies, err := cgroupHierarchies()
	if err != nil {
		return err
	}
	var errs []error
	for _, root := range hierarchies {
		top := filepath.Join(root, name)
		var dirs []string
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
		for _, d := range dirs {
			var err error
			for range 50 { // a killed process leaves its cgroup a moment later
				if err = syscall.Rmdir(d); err == nil || errors.Is(err, syscall.ENOENT) || !errors.Is(err, syscall.EBUSY) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil && !errors.Is(err, syscall.ENOENT) {
				errs = append(errs, fmt.Errorf("remove cgroup %s: %w", d, err))
			}
		}
	}
	return errors.Join(errs...)
}

// otherContainerd is the PID of a containerd or shim that is not the
// run's (its command line does not name work), or 0.
func otherContainerd(work string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || !strings.HasPrefix(string(comm), "containerd") {
			continue
		}
		if !strings.Contains(cmdline(pid), work) {
			return pid
		}
	}
	return 0
}

// removeEmptyDirs removes the empty folders of the tree at root, deepest
// first, root too when it ends up empty.
func removeEmptyDirs(root string) error {
	var dirs []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		if err := syscall.Rmdir(d); err != nil && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) && !errors.Is(err, syscall.ENOENT) {
			return fmt.Errorf("remove %s: %w", d, err)
		}
	}
	return nil
}

// processesNaming lists the processes whose command line contains s.
func processesNaming(s string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if strings.Contains(cmdline(pid), s) {
			out = append(out, pid)
		}
	}
	return out
}

// cmdline is pid's command line, arguments separated by spaces.
func cmdline(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(data), "\x00", " "))
}

// killPID kills pid and waits until it is gone (or a zombie).
func killPID(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("kill %d: %w", pid, err)
	}
	for range 100 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil
		}
		if _, rest, ok := strings.Cut(string(data), ") "); ok && strings.HasPrefix(rest, "Z") {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("process %d still there 5 s after SIGKILL", pid)
}
