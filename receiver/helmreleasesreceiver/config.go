package helmreleasesreceiver

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Config says how to reach the API server.
type Config struct {
	// Kubeconfig is a kubeconfig file to use. Empty: the pod's in-cluster
	// credentials, else $KUBECONFIG.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// Namespaces limits the search to these namespaces, one list request
	// each, so RoleBindings in them suffice. Empty: every namespace, in
	// one request (needs a ClusterRoleBinding).
	Namespaces []string `mapstructure:"namespaces"`
	// RequestTimeout bounds each API request.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
}

// Validate names every bad setting.
func (c *Config) Validate() error {
	var errs []error
	for i, ns := range c.Namespaces {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("namespaces[%d] %q is not a namespace name: %s", i, ns, strings.Join(msgs, "; ")))
		}
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("request_timeout %s must be positive", c.RequestTimeout))
	}
	return errors.Join(errs...)
}
