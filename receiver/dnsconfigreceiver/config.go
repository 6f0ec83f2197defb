package dnsconfigreceiver

import (
	"errors"
	"fmt"
	"path"
)

// Config selects which resolv.conf files are collected.
type Config struct {
	// RootPath is where the node's filesystem is mounted ("/" on the node
	// itself, /hostroot in the DaemonSet). It must exist when the collector starts.
	RootPath string `mapstructure:"root_path"`
	// NodeResolvConf is the node's resolver file, a path on the node; item
	// "virtualmachine".
	NodeResolvConf string `mapstructure:"node_resolv_conf"`
	// PodResolvConf is the resolver file pods get, read from the collector's
	// own filesystem (in a ClusterFirst pod: its /etc/resolv.conf); item
	// "kubernetes". Empty leaves the item out, as on a host outside a cluster.
	PodResolvConf string `mapstructure:"pod_resolv_conf"`
	// KubeletResolvConf collects the file the node's kubelet names with
	// --resolv-conf (pods with dnsPolicy Default, CoreDNS's upstreams);
	// item "kubelet-resolv-conf".
	KubeletResolvConf bool `mapstructure:"kubelet_resolv_conf"`
}

// Validate checks the configuration's shape; whether the root exists is
// checked at start, so a config can be validated away from the node.
func (c *Config) Validate() error {
	var errs []error
	if c.RootPath == "" {
		errs = append(errs, errors.New("root_path must not be empty"))
	}
	if !path.IsAbs(c.NodeResolvConf) {
		errs = append(errs, fmt.Errorf("node_resolv_conf %q must be an absolute path on the node", c.NodeResolvConf))
	}
	if c.PodResolvConf != "" && !path.IsAbs(c.PodResolvConf) {
		errs = append(errs, fmt.Errorf("pod_resolv_conf %q must be an absolute path", c.PodResolvConf))
	}
	return errors.Join(errs...)
}
