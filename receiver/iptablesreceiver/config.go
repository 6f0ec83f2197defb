package iptablesreceiver

import (
	"errors"
	"fmt"
	"path"
	"time"
)

// Where the rules come from.
const (
	// SourceCommand runs the node's own binaries (chrooted into root_path).
	SourceCommand = "command"
	// SourceFile reads outputs captured earlier.
	SourceFile = "file"
)

// Config selects how the node's rules are read.
type Config struct {
	// RootPath is where the node's filesystem is mounted ("/" on the node
	// itself, /hostroot in the DaemonSet). Commands run chrooted into it,
	// files are read under it. It must exist when the collector starts.
	RootPath string `mapstructure:"root_path"`
	// Source is SourceCommand or SourceFile.
	Source string `mapstructure:"source"`
	// Commands per item, run when Source is "command". An empty list leaves
	// the item out.
	Commands Commands `mapstructure:"commands"`
	// Files per item, read when Source is "file": absolute paths on the node.
	// An item without a file gets an error record saying so.
	Files Files `mapstructure:"files"`
	// Timeout bounds each command.
	Timeout time.Duration `mapstructure:"timeout"`
}

// Commands are argument lists, the program first, resolved in the node's
// PATH under root_path.
type Commands struct {
	NatList []string `mapstructure:"nat_list"` // item "iptables"
	Save    []string `mapstructure:"save"`     // item "iptables-save"
	Save6   []string `mapstructure:"save6"`    // item "ip6tables-save"
}

// Files are captured outputs, one per item.
type Files struct {
	NatList string `mapstructure:"nat_list"` // item "iptables": `iptables -t nat -L` output
	Save    string `mapstructure:"save"`     // item "iptables-save"
	Save6   string `mapstructure:"save6"`    // item "ip6tables-save"
}

// Validate checks the configuration's shape; whether the root exists is
// checked at start, so a config can be validated away from the node.
func (c *Config) Validate() error {
	var errs []error
	if c.RootPath == "" {
		errs = append(errs, errors.New("root_path must not be empty"))
	}
	switch c.Source {
	case SourceCommand:
		if c.Timeout <= 0 {
			errs = append(errs, fmt.Errorf("timeout %s must be positive", c.Timeout))
		}
	case SourceFile:
		files := map[string]string{"files::nat_list": c.Files.NatList, "files::save": c.Files.Save, "files::save6": c.Files.Save6}
		set := 0
		for _, name := range []string{"files::nat_list", "files::save", "files::save6"} {
			if p := files[name]; p != "" {
				set++
				if !path.IsAbs(p) {
					errs = append(errs, fmt.Errorf("%s %q must be an absolute path on the node", name, p))
				}
			}
		}
		if set == 0 {
			errs = append(errs, errors.New(`source "file" needs at least one of files::nat_list, files::save, files::save6`))
		}
	default:
		errs = append(errs, fmt.Errorf("source %q must be %q or %q", c.Source, SourceCommand, SourceFile))
	}
	return errors.Join(errs...)
}
