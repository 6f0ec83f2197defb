package helmreleasesreceiver

import (
	"fmt"
	"time"
)

// Config says how to reach the API server.
type Config struct {
	// Kubeconfig is a kubeconfig file to use. Empty: the pod's in-cluster
	// credentials, else $KUBECONFIG.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// RequestTimeout bounds each API request.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
}

// Validate names the bad setting.
func (c *Config) Validate() error {
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("request_timeout %s must be positive", c.RequestTimeout)
	}
	return nil
}
