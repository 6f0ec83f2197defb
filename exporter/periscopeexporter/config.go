package periscopeexporter

import (
	"errors"

	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Config says where Periscope's run-ID layout is written.
type Config struct {
	exporterhelper.TimeoutConfig `mapstructure:",squash"`

	// Local writes the layout into a directory on this machine.
	Local LocalConfig `mapstructure:"local"`
}

// LocalConfig is the local-directory backend.
type LocalConfig struct {
	// Directory holds <run-id>/<node-name>/… ; created when missing.
	Directory string `mapstructure:"directory"`
}

// Validate checks the configuration's shape; whether the directory is
// writable is checked at start, where it is named in the error.
func (c *Config) Validate() error {
	if c.Local.Directory == "" {
		return errors.New("local.directory must not be empty")
	}
	return nil
}
