package nodelogsreceiver

import (
	"errors"
)

// Config lists the node log files of a run.
type Config struct {
	// RootPath is where the node's filesystem is mounted.
	RootPath string `mapstructure:"root_path"`
	// Files are node paths, normally ${periscope:nodelogs_paths}.
	Files []string `mapstructure:"files"`
}

// Validate checks what would make every collection fail. A file entry
// that is not an absolute path (a stray quote in the list) is not a config
// error: it becomes that item's error record, and the other files are
// still collected.
func (c *Config) Validate() error {
	if c.RootPath == "" {
		return errors.New("root_path must not be empty")
	}
	return nil
}
