package kubeletargsreceiver

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/noderoot"
)

// queryTimeout bounds the PowerShell process query.
const queryTimeout = 30 * time.Second

// findProcess asks Windows for the kubelet's command line: Windows has no
// /proc, and Win32_Process.CommandLine is the line the process was started
// with (a HostProcess container sees the host's processes). It prints the
// PID on one line and the command line on the next; the line is split the
// space-joined way, quotes grouping words.
func (c *collector) findProcess(ctx context.Context) (*commandLine, error) {
	name := c.cfg.ProcessName + ".exe"
	script := fmt.Sprintf(`Get-CimInstance Win32_Process -Filter "Name='%s'" | Sort-Object ProcessId | Select-Object -First 1 | ForEach-Object { $_.ProcessId; $_.CommandLine }`, name)
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script)
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return nil, fmt.Errorf("query %s with PowerShell: %w: %s", name, err, strings.TrimSpace(string(exitErr.Stderr)))
		}
		return nil, fmt.Errorf("query %s with PowerShell: %w", name, err)
	}
	pidLine, line, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(pidLine))
	if err != nil {
		return nil, fmt.Errorf("no %s process", name)
	}
	cl := &commandLine{source: "Win32_Process.CommandLine", pid: pid}
	cl.args, err = cmdline.SplitLine(strings.TrimSpace(line))
	if err != nil {
		cl.problems = append(cl.problems, err.Error())
	}
	if len(cl.args) == 0 {
		return nil, fmt.Errorf("%s process %d has an empty command line", name, pid)
	}
	return cl, nil
}

// readNodeFile reads a host file: a Windows HostProcess container sees the
// host's drives directly, so paths such as c:\k\kubelet-config.yaml are
// read as they are.
func (c *collector) readNodeFile(p string, limit int64) ([]byte, error) {
	return noderoot.ReadFile(p, limit)
}
