package diagnoserprocessor

import (
	"fmt"
	"strings"
)

// removedFlag is a kubelet flag a later kubelet refuses (it stops with
// "unknown flag"), so a node upgraded with it does not start its kubelet.
type removedFlag struct {
	removedIn string // the kubelet version that refuses it
	instead   string
}

// removedFlags: a small table, by flag name without dashes. Names ending in
// "*" are prefixes.
var removedFlags = map[string]removedFlag{
	"network-plugin":                         {"1.24", "CNI is configured in the container runtime (containerd's cni section)"},
	"network-plugin-mtu":                     {"1.24", "the CNI plugin's own MTU setting"},
	"cni-bin-dir":                            {"1.24", "containerd's cni bin_dir"},
	"cni-conf-dir":                           {"1.24", "containerd's cni conf_dir"},
	"cni-cache-dir":                          {"1.24", "the container runtime's CNI settings"},
	"docker-endpoint":                        {"1.24", "--container-runtime-endpoint with a CRI runtime"},
	"image-pull-progress-deadline":           {"1.24", "the container runtime's pull settings"},
	"experimental-dockershim-root-directory": {"1.24", "nothing: dockershim is gone"},
	"dynamic-config-dir":                     {"1.24", "a --config file managed by the node's provisioning"},
	"container-runtime":                      {"1.27", "nothing: remote is the only runtime; keep --container-runtime-endpoint"},
	"experimental-*":                         {"a later release (experimental flags carry no compatibility promise)", "the stable flag or config field that replaced it"},
}

// deprecatedFlags are flags the kubelet marks deprecated in favour of its
// --config file, with that file's field. The kubelet still honours them.
var deprecatedFlags = map[string]string{
	"address": "address", "anonymous-auth": "authentication.anonymous.enabled",
	"authentication-token-webhook": "authentication.webhook.enabled", "authorization-mode": "authorization.mode",
	"cgroup-driver": "cgroupDriver", "cgroups-per-qos": "cgroupsPerQOS", "client-ca-file": "authentication.x509.clientCAFile",
	"cluster-dns": "clusterDNS", "cluster-domain": "clusterDomain", "container-runtime-endpoint": "containerRuntimeEndpoint",
	"enforce-node-allocatable": "enforceNodeAllocatable", "event-qps": "eventRecordQPS", "eviction-hard": "evictionHard",
	"fail-swap-on": "failSwapOn", "feature-gates": "featureGates", "image-gc-high-threshold": "imageGCHighThresholdPercent",
	"image-gc-low-threshold": "imageGCLowThresholdPercent", "kube-reserved": "kubeReserved", "max-pods": "maxPods",
	"node-status-update-frequency": "nodeStatusUpdateFrequency", "pod-manifest-path": "staticPodPath",
	"pod-max-pids": "podPidsLimit", "protect-kernel-defaults": "protectKernelDefaults", "read-only-port": "readOnlyPort",
	"resolv-conf": "resolvConf", "rotate-certificates": "rotateCertificates", "runtime-request-timeout": "runtimeRequestTimeout",
	"serialize-image-pulls": "serializeImagePulls", "streaming-connection-idle-timeout": "streamingConnectionIdleTimeout",
	"system-reserved": "systemReserved", "tls-cert-file": "tlsCertFile", "tls-cipher-suites": "tlsCipherSuites",
	"tls-private-key-file": "tlsPrivateKeyFile", "volume-plugin-dir": "volumePluginDir",
}

// lookupRemoved finds a flag in removedFlags, prefixes included.
func lookupRemoved(name string) (removedFlag, bool) {
	if f, ok := removedFlags[name]; ok {
		return f, true
	}
	for k, f := range removedFlags {
		if prefix, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(name, prefix) {
			return f, true
		}
	}
	return removedFlag{}, false
}

// kubeletFlags: flags a newer kubelet refuses, and flags deprecated in
// favour of the config file.
type kubeletFlags struct{}

func (kubeletFlags) Spec() Spec {
	return Spec{
		Name:  "KUBELET_FLAGS",
		Codes: []string{"KUBELET_REMOVED_FLAG", "KUBELET_DEPRECATED_FLAG"},
		Needs: [][]Item{{itemKubeletCmd}},
	}
}

func (kubeletFlags) Judge(in *Inputs) Result {
	cmd := in.Get(itemKubeletCmd)
	var removed, deprecated []Evidence
	var removedNames, deprecatedNames []string
	seen := map[string]bool{}
	for _, f := range cmd.Flags.Flags {
		if seen[f.Name] {
			continue
		}
		seen[f.Name] = true
		text := "--" + f.Name + "=" + f.Value
		if r, ok := lookupRemoved(f.Name); ok {
			removedNames = append(removedNames, "--"+f.Name)
			removed = append(removed, Evidence{Item: itemKubeletCmd,
				Text: fmt.Sprintf("%s (refused from %s; instead: %s)", text, r.removedIn, r.instead)})
			continue
		}
		if field, ok := deprecatedFlags[f.Name]; ok {
			deprecatedNames = append(deprecatedNames, "--"+f.Name)
			deprecated = append(deprecated, Evidence{Item: itemKubeletCmd, Text: fmt.Sprintf("%s (config field %s)", text, field)})
		}
	}
	var signals []Signal
	if len(removed) > 0 {
		signals = append(signals, Signal{
			Severity: SeverityWarn,
			Code:     "KUBELET_REMOVED_FLAG",
			Summary:  fmt.Sprintf("the kubelet runs with %d %s that newer kubelets refuse: %s", len(removed), plural(len(removed), "flag", "flags"), strings.Join(removedNames, " ")),
			Explanation: "The kubelet stops at start on a flag it does not know. These flags were removed (most with " +
				"dockershim in 1.24), so this node's kubelet is older than that release, and upgrading the node " +
				"without changing its command line leaves it NotReady.",
			Evidence: removed,
			NextStep: "Upgrade node pools through AKS (node image upgrade) rather than by hand, or drop the flags " +
				"from the kubelet's unit or start script before upgrading it.",
		})
	}
	if len(deprecated) > 0 {
		signals = append(signals, Signal{
			Severity: SeverityInfo,
			Code:     "KUBELET_DEPRECATED_FLAG",
			Summary: fmt.Sprintf("the kubelet takes %d deprecated %s that belong in its --config file",
				len(deprecated), plural(len(deprecated), "flag", "flags")),
			Explanation: "The kubelet marks these flags deprecated in favour of fields of its KubeletConfiguration " +
				"file; they still work and override the file. AKS itself still passes several of them, so this is " +
				"for custom nodes and scripts: a flag given twice, or in both places, is a common source of \"I " +
				"changed the config but nothing happened\".",
			Evidence: deprecated,
			NextStep: "When changing one of these settings, change the flag (it wins over the file), or move it " +
				"to the config field named in the evidence.",
		})
	}
	return Result{Signals: signals}
}
