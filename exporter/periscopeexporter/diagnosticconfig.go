package periscopeexporter

import (
	"errors"
	"fmt"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// DiagnosticObjectConfig is the node's Diagnostic custom resource
// (diagnostics.aks-periscope.azure.github.com, short name apd): what
// `az aks kanalyze` reads, and each node's run progress for
// `kubectl get apd -n aks-periscope`.
type DiagnosticObjectConfig struct {
	// Enabled: unset means "when running in a pod" (KUBERNETES_SERVICE_HOST
	// set, as in the DaemonSet) or when Kubeconfig is set; a host run
	// outside a cluster writes nothing to whatever cluster kubectl points at.
	Enabled *bool `mapstructure:"enabled"`
	// Namespace holds the objects; Periscope's consumers read aks-periscope.
	Namespace string `mapstructure:"namespace"`
	// NamePrefix + the node name is the object's name; az aks kanalyze
	// reads aks-periscope-diagnostic-<node-name>.
	NamePrefix string `mapstructure:"name_prefix"`
	// Kubeconfig is a kubeconfig file. Empty: the pod's in-cluster
	// ServiceAccount, else $KUBECONFIG when enabled is true.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// Timeout bounds one API request; a write that fails is reported, never
	// waited on longer.
	Timeout time.Duration `mapstructure:"timeout"`
}

func defaultDiagnosticObjectConfig() DiagnosticObjectConfig {
	return DiagnosticObjectConfig{
		Namespace:  "aks-periscope",
		NamePrefix: "aks-periscope-diagnostic-",
		Timeout:    5 * time.Second,
	}
}

// Validate names the bad field and value.
func (c *DiagnosticObjectConfig) Validate() error {
	var errs []error
	if msgs := validation.IsDNS1123Label(c.Namespace); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("diagnostic_object.namespace %q: %s", c.Namespace, msgs[0]))
	}
	// The prefix must start a valid name; "a" stands in for the node name.
	if msgs := validation.IsDNS1123Subdomain(c.NamePrefix + "a"); c.NamePrefix == "" || len(msgs) > 0 {
		why := "must not be empty"
		if len(msgs) > 0 {
			why = msgs[0]
		}
		errs = append(errs, fmt.Errorf("diagnostic_object.name_prefix %q: %s", c.NamePrefix, why))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("diagnostic_object.timeout %s: must be positive", c.Timeout))
	}
	return errors.Join(errs...)
}

// active says whether the objects are written: as configured, else when
// in a pod or given a kubeconfig.
func (c *DiagnosticObjectConfig) active() bool {
	if c.Namespace == "" {
		// A zero section (a Config not made by the factory, as in tests):
		// nothing to write to, even when the tests run in a pod.
		return false
	}
	if c.Enabled != nil {
		return *c.Enabled
	}
	return c.Kubeconfig != "" || os.Getenv("KUBERNETES_SERVICE_HOST") != ""
}
