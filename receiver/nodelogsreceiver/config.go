package nodelogsreceiver

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Config lists the node log files of a run.
type Config struct {
	// RootPath is where the node's filesystem is mounted.
	RootPath string `mapstructure:"root_path"`
	// Files are node paths, normally ${periscope:paths:DIAGNOSTIC_NODELOGS_LIST_LINUX}.
	Files []string `mapstructure:"files"`
}

// Validate names every entry that is not an absolute node path.
func (c *Config) Validate() error {
	var errs []error
	if c.RootPath == "" {
		errs = append(errs, errors.New("root_path must not be empty"))
	}
	for i, f := range c.Files {
		if !isAbsolute(f) {
			errs = append(errs, fmt.Errorf("files[%d] %q is not an absolute path", i, f))
		}
	}
	return errors.Join(errs...)
}

// isAbsolute accepts Linux paths and Windows drive paths (C:\…), whatever
// the OS the config is validated on.
func isAbsolute(p string) bool {
	if path.IsAbs(p) {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && strings.ContainsRune(`\/`, rune(p[2]))
}
