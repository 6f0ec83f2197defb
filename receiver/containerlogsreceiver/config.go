package containerlogsreceiver

import (
	"errors"
	"fmt"

	"github.com/periscope-otel/periscope/internal/nodefile"
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
	// Mode is copy (default: each file, and the rotations the kubelet
	// kept, becomes its item byte for byte as it was at the run's start)
	// or stream (filelog streams the current files' lines; this receiver
	// sizes the run).
	Mode nodefile.Mode `mapstructure:"mode"`
	// MaxBytesPerContainer bounds, in copy mode, what one container's
	// rotations add to its current files (decompressed bytes), newest
	// first; what does not fit is named in the index. 0: no bound.
	MaxBytesPerContainer int64 `mapstructure:"max_bytes_per_container"`
}

// defaultMaxBytesPerContainer is generous: the kubelet's defaults keep
// 5 files of 10 MiB per container.
const defaultMaxBytesPerContainer = 256 << 20

// Validate checks what would make every collection fail.
func (c *Config) Validate() error {
	if c.RootPath == "" {
		return errors.New("root_path must not be empty")
	}
	if c.MaxBytesPerContainer < 0 {
		return fmt.Errorf("max_bytes_per_container %d: must be 0 (no bound) or more", c.MaxBytesPerContainer)
	}
	return c.Mode.Validate()
}
