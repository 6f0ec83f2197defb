package containerlogsreceiver

import (
	"errors"
)

// Config selects the container logs of a run.
type Config struct {
	// RootPath is where the node's filesystem is mounted.
	RootPath string `mapstructure:"root_path"`
	// Selectors are Periscope's DIAGNOSTIC_CONTAINERLOGS_LIST entries
	// (namespace or namespace/container-prefix), normally
	// ${periscope:list:DIAGNOSTIC_CONTAINERLOGS_LIST}. A malformed entry is
	// not a config error: it becomes an error item at collection, so one
	// typo does not stop the whole collector.
	Selectors []string `mapstructure:"selectors"`
}

// Validate checks what would make every collection fail.
func (c *Config) Validate() error {
	if c.RootPath == "" {
		return errors.New("root_path must not be empty")
	}
	return nil
}
