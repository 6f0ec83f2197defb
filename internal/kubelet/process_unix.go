//go:build !windows

package kubelet

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/noderoot"
)

// maxCmdlineBytes bounds a command line read from /proc (the kernel's own
// limit is far lower than this).
const maxCmdlineBytes = 1 << 20

// Process is a process's command line as the node's /proc shows it.
type Process struct {
	PID      int
	Source   string   // /proc/<pid>/cmdline
	Args     []string // argv, the program first
	Problems []string // what makes the line doubtful: cut, other candidates
}

// FindProcess scans the node's /proc (under root; the DaemonSet's hostPID,
// or the host's procfs mounted with the root) for processes whose comm is
// name, and reads the command line of the one with the lowest PID; the
// others are named in a problem. rootPath is how errors name the root.
func FindProcess(root noderoot.Root, rootPath, name string) (*Process, error) {
	procDir, err := root.Resolve("/proc")
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		comm, err := os.ReadFile(filepath.Join(procDir, e.Name(), "comm"))
		if err != nil {
			continue // the process exited while we looked
		}
		if strings.TrimSuffix(string(comm), "\n") == name {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("no %s process under %s", name, filepath.Join(rootPath, "proc"))
	}
	slices.Sort(pids)
	pid := pids[0]
	nodePath := path.Join("/proc", strconv.Itoa(pid), "cmdline")
	data, err := noderoot.ReadFile(filepath.Join(procDir, strconv.Itoa(pid), "cmdline"), maxCmdlineBytes)
	if err != nil {
		return nil, fmt.Errorf("%s process %d: %w", name, pid, err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s process %d has an empty command line (%s): a zombie, or exiting", name, pid, nodePath)
	}
	p := &Process{PID: pid, Source: nodePath}
	var truncated bool
	p.Args, truncated = cmdline.SplitNUL(data)
	if truncated {
		p.Problems = append(p.Problems, "the command line does not end with a NUL byte: its last argument may be cut")
	}
	if len(pids) > 1 {
		others := make([]string, len(pids)-1)
		for i, o := range pids[1:] {
			others[i] = strconv.Itoa(o)
		}
		p.Problems = append(p.Problems, fmt.Sprintf("other %s processes (PIDs %s): this is the one with the lowest PID", name, strings.Join(others, ", ")))
	}
	return p, nil
}
