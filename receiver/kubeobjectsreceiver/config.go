package kubeobjectsreceiver

import (
	"errors"
	"fmt"
	"time"
)

// Config selects the Kubernetes objects to describe and how to reach the
// API server.
type Config struct {
	// Objects are DIAGNOSTIC_KUBEOBJECTS_LIST entries, namespace/type or
	// namespace/type/name; shipped configs pass
	// ${periscope:list:DIAGNOSTIC_KUBEOBJECTS_LIST}.
	Objects []string `mapstructure:"objects"`
	// Kubeconfig is a kubeconfig file to use. Empty: the pod's in-cluster
	// credentials, else $KUBECONFIG.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// Parallelism bounds how many objects are described at once (each
	// describe is two or more API requests).
	Parallelism int `mapstructure:"parallelism"`
	// RequestTimeout bounds each API request.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
}

// DefaultObjects is Periscope's default DIAGNOSTIC_KUBEOBJECTS_LIST.
var DefaultObjects = []string{"kube-system/pod", "kube-system/service", "kube-system/deployment"}

// Validate names every malformed entry and bad setting.
func (c *Config) Validate() error {
	var errs []error
	for i, o := range c.Objects {
		if _, err := parseEntry(o); err != nil {
			errs = append(errs, fmt.Errorf("objects[%d]: %w", i, err))
		}
	}
	if c.Parallelism < 1 {
		errs = append(errs, fmt.Errorf("parallelism %d must be at least 1", c.Parallelism))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("request_timeout %s must be positive", c.RequestTimeout))
	}
	return errors.Join(errs...)
}
