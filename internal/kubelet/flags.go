// Package kubelet knows what several receivers need of the node's kubelet:
// which of its flags are booleans, and where its command line is.
package kubelet

// booleans are the kubelet's boolean flags, past and present (pflag
// lets them stand alone: "--fail-swap-on" means true and does not take the
// next argument). A boolean missing here is still read right when the next
// argument is a flag, which it always is in kubelet command lines.
var booleans = map[string]bool{
	"add-dir-header": true, "allow-privileged": true, "alsologtostderr": true,
	"anonymous-auth": true, "authentication-token-webhook": true, "cgroups-per-qos": true,
	"containerized": true, "enable-cadvisor-json-endpoints": true, "enable-controller-attach-detach": true,
	"enable-debugging-handlers": true, "enable-server": true, "exit-on-lock-contention": true,
	"experimental-check-node-capabilities-before-mount": true, "fail-swap-on": true, "help": true,
	"keep-terminated-pod-volumes": true, "kernel-memcg-notification": true, "local-storage-capacity-isolation": true,
	"log-json-split-stream": true, "logtostderr": true, "make-iptables-util-chains": true, "one-output": true,
	"protect-kernel-defaults": true, "register-node": true, "register-schedulable": true,
	"rotate-certificates": true, "rotate-server-certificates": true, "seccomp-default": true,
	"serialize-image-pulls": true, "skip-headers": true, "skip-log-headers": true, "version": true,
}

// IsBoolean reports whether a kubelet flag takes no value.
func IsBoolean(name string) bool { return booleans[name] }
