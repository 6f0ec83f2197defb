//go:build !windows

package dnsconfigreceiver

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/kubelet"
)

// kubeletDefaultResolvConf is the kubelet's default for --resolv-conf.
const kubeletDefaultResolvConf = "/etc/resolv.conf"

// kubeletResolvConf finds the file the kubelet gives pods with dnsPolicy
// Default (and CoreDNS's upstreams): its --resolv-conf flag, else
// resolvConf in its --config file, else the kubelet's default. how says
// where the answer came from, for the record.
func (c *collector) kubeletResolvConf() (nodePath, how string, err error) {
	p, err := kubelet.FindProcess(c.root, c.cfg.RootPath, "kubelet")
	if err != nil {
		return "", "", fmt.Errorf("not available: %w", err)
	}
	flags := cmdline.Parse(p.Args, kubelet.IsBoolean)
	if v, ok := flags.Lookup("resolv-conf"); ok {
		return v, "--resolv-conf of the kubelet (" + p.Source + ")", nil
	}
	if cfgPath, ok := flags.Lookup("config"); ok {
		data, err := c.root.ReadFile(cfgPath, maxResolvConfBytes)
		if err != nil {
			return "", "", fmt.Errorf("kubelet --config: %w", err)
		}
		var cfg struct {
			ResolvConf *string `yaml:"resolvConf"`
		}
		if err := yaml.Unmarshal(data, &cfg); err != nil {
			return "", "", fmt.Errorf("kubelet --config %s: %w", cfgPath, err)
		}
		if cfg.ResolvConf != nil {
			return *cfg.ResolvConf, "resolvConf of the kubelet's --config " + cfgPath, nil
		}
	}
	return kubeletDefaultResolvConf, "the kubelet's default (no --resolv-conf, no resolvConf in its config)", nil
}
