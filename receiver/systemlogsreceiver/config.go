package systemlogsreceiver

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"time"
)

// Config says where the node's journal is and which services to read.
type Config struct {
	// RootPath is where the node's filesystem is mounted; journalctl runs
	// chrooted into it (the node's own journalctl reads the node's journal).
	RootPath string `mapstructure:"root_path"`
	// JournalctlPath is journalctl's path on the node.
	JournalctlPath string `mapstructure:"journalctl_path"`
	// Units are the systemd services whose journal entries are read: each
	// is an item named after it (kubelet, containerd, docker).
	Units []string `mapstructure:"units"`
	// CheckTimeout bounds each journalctl run that checks, at the run's
	// start, whether the journal holds entries of a unit.
	CheckTimeout time.Duration `mapstructure:"check_timeout"`
}

// unitName is what a unit may be called here: a systemd unit name without
// path separators (it names an item).
var unitName = regexp.MustCompile(`^[A-Za-z0-9:_.@\-]+$`)

// Validate names every bad setting.
func (c *Config) Validate() error {
	var errs []error
	if !path.IsAbs(c.RootPath) {
		errs = append(errs, fmt.Errorf("root_path %q must be an absolute path", c.RootPath))
	}
	if !path.IsAbs(c.JournalctlPath) {
		errs = append(errs, fmt.Errorf("journalctl_path %q must be an absolute path on the node", c.JournalctlPath))
	}
	if len(c.Units) == 0 {
		errs = append(errs, errors.New("units must name at least one systemd unit"))
	}
	seen := map[string]bool{}
	for _, u := range c.Units {
		switch {
		case !unitName.MatchString(u) || u == "." || u == "..":
			errs = append(errs, fmt.Errorf("units: %q is not a systemd unit name", u))
		case seen[u]:
			errs = append(errs, fmt.Errorf("units: %q is listed twice", u))
		}
		seen[u] = true
	}
	if c.CheckTimeout <= 0 {
		errs = append(errs, fmt.Errorf("check_timeout %s must be positive", c.CheckTimeout))
	}
	return errors.Join(errs...)
}
