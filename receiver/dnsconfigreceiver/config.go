package dnsconfigreceiver

import (
	"errors"
	"fmt"
	"path"
	"time"
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
	// Kubernetes says how the cluster's CoreDNS ConfigMaps are read.
	Kubernetes KubernetesConfig `mapstructure:"kubernetes"`
}

// KubernetesConfig selects the credentials for reading the CoreDNS
// ConfigMaps (items "coredns" and "coredns-custom").
type KubernetesConfig struct {
	// AuthType is auto, serviceAccount, kubeConfig or none (contrib's
	// k8s receivers' names). The zero value, as in a Go literal, collects
	// no cluster part, like none.
	AuthType AuthType `mapstructure:"auth_type"`
	// KubeconfigPath is the kubeconfig file for kubeConfig; with auto it is
	// used when set.
	KubeconfigPath string `mapstructure:"kubeconfig_path"`
	// Timeout bounds each API request.
	Timeout time.Duration `mapstructure:"timeout"`
}

// AuthType is how the API server is found and authenticated to.
type AuthType string

const (
	// AuthAuto uses kubeconfig_path when set, else the pod's
	// ServiceAccount when running in a pod, else skips the cluster part.
	AuthAuto AuthType = "auto"
	// AuthServiceAccount uses the pod's in-cluster ServiceAccount.
	AuthServiceAccount AuthType = "serviceAccount"
	// AuthKubeConfig uses kubeconfig_path.
	AuthKubeConfig AuthType = "kubeConfig"
	// AuthNone does not collect the CoreDNS ConfigMaps.
	AuthNone AuthType = "none"
)

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
	errs = append(errs, c.Kubernetes.validate()...)
	return errors.Join(errs...)
}

func (k *KubernetesConfig) validate() []error {
	var errs []error
	switch k.AuthType {
	case AuthAuto, AuthServiceAccount, AuthNone:
	case AuthKubeConfig:
		if k.KubeconfigPath == "" {
			errs = append(errs, errors.New("kubernetes.kubeconfig_path must be set when kubernetes.auth_type is kubeConfig"))
		}
	default:
		errs = append(errs, fmt.Errorf("kubernetes.auth_type %q: want %s, %s, %s or %s", k.AuthType, AuthAuto, AuthServiceAccount, AuthKubeConfig, AuthNone))
	}
	if k.AuthType != AuthNone && k.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("kubernetes.timeout %s must be positive", k.Timeout))
	}
	return errs
}
