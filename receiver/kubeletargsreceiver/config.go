package kubeletargsreceiver

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Config says where the kubelet's command line is found.
type Config struct {
	// RootPath is where the node's filesystem is mounted ("/" on the node
	// itself, /hostroot in the DaemonSet); the node's /proc is read under it.
	// It must exist when the collector starts.
	RootPath string `mapstructure:"root_path"`
	// ProcessName is the kubelet's process name (/proc/<pid>/comm on Linux,
	// <name>.exe on Windows).
	ProcessName string `mapstructure:"process_name"`
	// CmdlineFile, when set, is read instead of looking for the process: a
	// file holding the command line space-joined (a capture, a start script's
	// line). A node path under root_path (on Windows, a path of the host).
	CmdlineFile string `mapstructure:"cmdline_file"`
	// CollectConfig also collects the file the kubelet's --config names.
	CollectConfig bool `mapstructure:"collect_config"`
}

// Validate checks the configuration's shape; whether the root exists is
// checked at start, so a config can be validated away from the node.
func (c *Config) Validate() error {
	var errs []error
	if c.RootPath == "" {
		errs = append(errs, errors.New("root_path must not be empty"))
	}
	if c.ProcessName == "" || strings.ContainsAny(c.ProcessName, `/\`) {
		errs = append(errs, fmt.Errorf("process_name %q must be a process name, not empty and without a path", c.ProcessName))
	}
	if c.CmdlineFile != "" && !path.IsAbs(c.CmdlineFile) && !filepath.IsAbs(c.CmdlineFile) {
		errs = append(errs, fmt.Errorf("cmdline_file %q must be an absolute path on the node", c.CmdlineFile))
	}
	return errors.Join(errs...)
}
