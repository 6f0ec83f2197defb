package poddisruptionbudgetsreceiver

import (
	"errors"
	"fmt"
	"time"
)

// Config says how to reach the API server.
type Config struct {
	// Kubeconfig is a kubeconfig file to use. Empty: the pod's in-cluster
	// credentials, else $KUBECONFIG.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// Parallelism bounds how many budgets are described at once (each
	// describe is two API requests: the budget and its events).
	Parallelism int `mapstructure:"parallelism"`
	// RequestTimeout bounds each API request.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
}

// Validate names every bad setting.
func (c *Config) Validate() error {
	var errs []error
	if c.Parallelism < 1 {
		errs = append(errs, fmt.Errorf("parallelism %d must be at least 1", c.Parallelism))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("request_timeout %s must be positive", c.RequestTimeout))
	}
	return errors.Join(errs...)
}
