package nodelogsreceiver

import (
	"errors"

	"github.com/periscope-otel/periscope/internal/nodefile"
)

// Config lists the node log files of a run.
type Config struct {
	// RootPath is where the node's filesystem is mounted.
	RootPath string `mapstructure:"root_path"`
	// Files are node paths, normally ${periscope:nodelogs_paths}.
	Files []string `mapstructure:"files"`
	// Mode is copy (default: each file becomes its item byte for byte, as
	// it was at the run's start, copied by the periscope exporter) or
	// records (one record per line, for OTLP and Azure Monitor).
	Mode nodefile.Mode `mapstructure:"mode"`
}

// Validate checks what would make every collection fail. A file entry
// that is not an absolute path (a stray quote in the list) is not a config
// error: it becomes that item's error record, and the other files are
// still collected.
func (c *Config) Validate() error {
	if c.RootPath == "" {
		return errors.New("root_path must not be empty")
	}
	return c.Mode.Validate()
}
