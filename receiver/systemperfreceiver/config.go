package systemperfreceiver

import (
	"errors"
	"fmt"
	"time"

	"github.com/periscope-otel/periscope/receiver/systemperfreceiver/internal/metadata"
)

// Config says how to reach the API server and how often to read the
// metrics API.
type Config struct {
	metadata.MetricsBuilderConfig `mapstructure:",squash"`

	// Kubeconfig is a kubeconfig file to use. Empty: the pod's in-cluster
	// credentials, else $KUBECONFIG.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// RequestTimeout bounds each API request.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
	// CollectionInterval repeats the collection; 0 collects once per run
	// (Periscope's behaviour).
	CollectionInterval time.Duration `mapstructure:"collection_interval"`
}

// Validate names every bad setting.
func (c *Config) Validate() error {
	var errs []error
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("request_timeout %s must be positive", c.RequestTimeout))
	}
	if c.CollectionInterval < 0 {
		errs = append(errs, fmt.Errorf("collection_interval %s must not be negative (0 collects once per run)", c.CollectionInterval))
	}
	return errors.Join(errs...)
}
