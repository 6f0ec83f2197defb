//go:build !windows

package kubeletargsreceiver

import (
	"context"

	"github.com/periscope-otel/periscope/internal/kubelet"
)

// findProcess reads the kubelet's command line from the node's /proc.
func (c *collector) findProcess(context.Context) (*commandLine, error) {
	p, err := kubelet.FindProcess(c.root, c.cfg.RootPath, c.cfg.ProcessName)
	if err != nil {
		return nil, err
	}
	return &commandLine{args: p.Args, source: p.Source, pid: p.PID, problems: p.Problems}, nil
}

// readNodeFile reads a file of the node, under root_path.
func (c *collector) readNodeFile(nodePath string, limit int64) ([]byte, error) {
	return c.root.ReadFile(nodePath, limit)
}
