//go:build !windows

package kubeletargsreceiver

import (
	"context"
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

// findProcess scans the node's /proc (under root_path; the DaemonSet's
// hostPID, or the host's own procfs mounted with the root) for processes
// whose comm is the kubelet's name, and reads the command line of the one
// with the lowest PID (the others are named in a problem).
func (c *collector) findProcess(context.Context) (*commandLine, error) {
	procDir, err := c.root.Resolve("/proc")
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
		if strings.TrimSuffix(string(comm), "\n") == c.cfg.ProcessName {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("no %s process under %s", c.cfg.ProcessName, filepath.Join(c.cfg.RootPath, "proc"))
	}
	slices.Sort(pids)
	pid := pids[0]
	nodePath := path.Join("/proc", strconv.Itoa(pid), "cmdline")
	data, err := noderoot.ReadFile(filepath.Join(procDir, strconv.Itoa(pid), "cmdline"), maxCmdlineBytes)
	if err != nil {
		return nil, fmt.Errorf("%s process %d: %w", c.cfg.ProcessName, pid, err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s process %d has an empty command line (%s): a zombie, or exiting", c.cfg.ProcessName, pid, nodePath)
	}
	cl := &commandLine{source: nodePath, pid: pid}
	var truncated bool
	cl.args, truncated = cmdline.SplitNUL(data)
	if truncated {
		cl.problems = append(cl.problems, "the command line does not end with a NUL byte: its last argument may be cut")
	}
	if len(pids) > 1 {
		others := make([]string, len(pids)-1)
		for i, p := range pids[1:] {
			others[i] = strconv.Itoa(p)
		}
		cl.problems = append(cl.problems, fmt.Sprintf("other %s processes (PIDs %s): this is the one with the lowest PID", c.cfg.ProcessName, strings.Join(others, ", ")))
	}
	return cl, nil
}

// readNodeFile reads a file of the node, under root_path.
func (c *collector) readNodeFile(nodePath string, limit int64) ([]byte, error) {
	return c.root.ReadFile(nodePath, limit)
}
