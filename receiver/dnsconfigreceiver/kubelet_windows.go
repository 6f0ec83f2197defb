package dnsconfigreceiver

import "errors"

// kubeletResolvConf: Windows kubelets take no resolv.conf.
func (c *collector) kubeletResolvConf() (nodePath, how string, err error) {
	return "", "", errors.New("not available: the kubelet has no --resolv-conf on Windows")
}
