package clusterlease

import (
	"errors"
	"fmt"
	"time"
)

// Lease modes.
const (
	// LeaseAuto coordinates through the Lease when a Kubernetes config is
	// found (in-cluster ServiceAccount, kubeconfig, $KUBECONFIG); without
	// one, cluster-scoped receivers collect on this node.
	LeaseAuto = "auto"
	// LeaseOff never coordinates: every collector collects cluster-scoped
	// data, as Periscope did.
	LeaseOff = "off"
)

// Config is the cluster_scope block of the periscope_run extension.
type Config struct {
	// Lease is LeaseAuto or LeaseOff.
	Lease string `mapstructure:"lease"`
	// Namespace and Name locate the Lease (and its completion record).
	Namespace string `mapstructure:"namespace"`
	Name      string `mapstructure:"name"`
	// Kubeconfig is a kubeconfig file; empty: the pod's in-cluster
	// credentials, else $KUBECONFIG.
	Kubeconfig string `mapstructure:"kubeconfig"`
	// Identity names this collector in the Lease (a random suffix keeps
	// two processes apart); empty: the host name. Shipped configs pass the
	// node name.
	Identity string `mapstructure:"identity"`
	// LeaseDuration is how long a silent leader keeps the lease: the
	// longest a crashed leader delays the takeover.
	LeaseDuration time.Duration `mapstructure:"lease_duration"`
	// RenewDeadline is how long the leader retries renewing before it
	// stops collecting (shorter than LeaseDuration).
	RenewDeadline time.Duration `mapstructure:"renew_deadline"`
	// RetryPeriod is the interval between tries to acquire or renew, and
	// between looks at the completion record.
	RetryPeriod time.Duration `mapstructure:"retry_period"`
}

// DefaultConfig is client-go's usual timing (as kube-controller-manager)
// and Periscope's names.
func DefaultConfig() Config {
	return Config{
		Lease:         LeaseAuto,
		Namespace:     "aks-periscope",
		Name:          "aks-periscope-cluster",
		LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second,
		RetryPeriod:   2 * time.Second,
	}
}

// Validate names the bad field and value.
func (c *Config) Validate() error {
	var errs []error
	switch c.Lease {
	case LeaseAuto, LeaseOff:
	default:
		errs = append(errs, fmt.Errorf("cluster_scope.lease %q: want %q or %q", c.Lease, LeaseAuto, LeaseOff))
	}
	if c.Lease == LeaseOff {
		return errors.Join(errs...)
	}
	if c.Namespace == "" {
		errs = append(errs, errors.New("cluster_scope.namespace must not be empty"))
	}
	if c.Name == "" {
		errs = append(errs, errors.New("cluster_scope.name must not be empty"))
	}
	// client-go stores the duration in whole seconds.
	if c.LeaseDuration < time.Second {
		errs = append(errs, fmt.Errorf("cluster_scope.lease_duration %s must be at least 1s", c.LeaseDuration))
	}
	if c.RenewDeadline <= 0 || c.RenewDeadline >= c.LeaseDuration {
		errs = append(errs, fmt.Errorf("cluster_scope.renew_deadline %s must be positive and shorter than lease_duration %s", c.RenewDeadline, c.LeaseDuration))
	}
	if c.RetryPeriod <= 0 || c.RetryPeriod >= c.RenewDeadline {
		errs = append(errs, fmt.Errorf("cluster_scope.retry_period %s must be positive and shorter than renew_deadline %s", c.RetryPeriod, c.RenewDeadline))
	}
	return errors.Join(errs...)
}
