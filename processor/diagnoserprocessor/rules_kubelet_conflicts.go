package diagnoserprocessor

import (
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-otel/periscope/internal/cmdline"
	"github.com/periscope-otel/periscope/internal/kubelet"
)

// kubeletConflicts: a flag given twice with different values (the last
// wins, silently), and a flag that disagrees with its --config field (the
// flag wins, and the file's value is ignored).
type kubeletConflicts struct{}

func (kubeletConflicts) Spec() Spec {
	return Spec{
		Name:  "KUBELET_CONFLICTING_FLAGS",
		Codes: []string{"KUBELET_CONFLICTING_FLAGS"},
		Needs: [][]Item{{itemKubeletCmd}},
		Uses:  []Item{itemKubeletConfig},
	}
}

func (kubeletConflicts) Judge(in *Inputs) Result {
	cmd := in.Get(itemKubeletCmd)
	var evidence []Evidence
	// The flags attribute is a map, one value per flag: repeats are only
	// in the command line itself.
	if args, err := cmdline.SplitLine(strings.TrimSpace(cmd.Text)); err == nil && len(args) > 0 {
		all := cmdline.Parse(args, kubelet.IsBoolean)
		reported := map[string]bool{}
		for _, f := range all.Flags {
			values := all.Values(f.Name)
			if reported[f.Name] || len(values) < 2 || isListFlag(f.Name) || allEqual(values) {
				continue
			}
			reported[f.Name] = true
			last := values[len(values)-1]
			evidence = append(evidence, Evidence{Item: itemKubeletCmd, Text: fmt.Sprintf("--%s given %d times: %s (the kubelet uses %q)",
				f.Name, len(values), quoteAll("--"+f.Name+"=", values), last)})
		}
	}
	if cfg := in.Get(itemKubeletConfig); cfg != nil {
		seen := map[string]bool{}
		for _, f := range cmd.Flags.Flags {
			field, ok := deprecatedFlags[f.Name]
			if !ok || seen[f.Name] || strings.Contains(field, ".") {
				continue
			}
			seen[f.Name] = true
			flagValue, _ := cmd.Flags.Lookup(f.Name)
			v, ok := cfg.Settings[field]
			if !ok || v == nil {
				continue
			}
			if _, isMap := v.(map[string]any); isMap {
				continue
			}
			fileValue := settingString(v)
			if sameSetting(flagValue, fileValue) {
				continue
			}
			evidence = append(evidence, Evidence{Item: itemKubeletCmd, Text: fmt.Sprintf("--%s=%s overrides %s: %s in %s (the file's value is ignored)",
				f.Name, flagValue, field, fileValue, itemKubeletConfig)})
		}
	}
	if len(evidence) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityWarn,
		Code:     "KUBELET_CONFLICTING_FLAGS",
		Summary:  fmt.Sprintf("the kubelet has %d conflicting %s", len(evidence), plural(len(evidence), "setting", "settings")),
		Explanation: "A flag given twice keeps its last value, and a flag overrides the same setting in the " +
			"--config file; neither is reported by the kubelet. A change made in one place (a drop-in, the " +
			"config file) then has no effect, or a value from a script silently replaces the provisioned one.",
		Evidence: evidence,
		NextStep: "Keep each setting in one place: remove the earlier flag, or the flag or the config field " +
			"(AKS: change the node pool's kubelet configuration, not the node's files).",
	}}}
}

// isListFlag: flags whose repeats accumulate instead of replacing.
func isListFlag(name string) bool {
	switch name {
	case "register-with-taints", "node-labels", "feature-gates", "eviction-hard", "eviction-soft",
		"kube-reserved", "system-reserved", "tls-cipher-suites", "allowed-unsafe-sysctls":
		return true
	}
	return false
}

func allEqual(values []string) bool {
	for _, v := range values[1:] {
		if v != values[0] {
			return false
		}
	}
	return true
}

func quoteAll(prefix string, values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = prefix + v
	}
	return strings.Join(out, " ")
}

// sameSetting compares a flag's value with a config field's, as numbers,
// durations or booleans when both read as one ("4h" and "4h0m0s").
func sameSetting(a, b string) bool {
	if a == b || strings.EqualFold(a, b) {
		return true
	}
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		y, err := strconv.ParseFloat(b, 64)
		return err == nil && x == y
	}
	if x, err := time.ParseDuration(a); err == nil {
		y, err := time.ParseDuration(b)
		return err == nil && x == y
	}
	return false
}

// maxPodsVsPodCIDR: more pods allowed on the node than its pod CIDR has
// addresses for (kubenet and Azure CNI overlay give each node a range).
type maxPodsVsPodCIDR struct{}

func (maxPodsVsPodCIDR) Spec() Spec {
	return Spec{
		Name:  "KUBELET_MAX_PODS",
		Codes: []string{"KUBELET_MAX_PODS_EXCEEDS_POD_CIDR"},
		Needs: [][]Item{{itemKubeletCmd}},
		Uses:  []Item{itemKubeletConfig, itemKubeNodes},
	}
}

// reservedPodAddresses: a node's range loses its network address, the
// bridge's gateway (kubenet's cbr0) and the broadcast address.
const reservedPodAddresses = 3

func (maxPodsVsPodCIDR) Judge(in *Inputs) Result {
	cidr, cidrEvidence, ok := podCIDR(in)
	if !ok {
		return Result{} // Azure CNI (pods take subnet addresses) or unknown: nothing to compare
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return Result{Signals: []Signal{{
			Severity: SeverityWarn, Code: codeInputUnparsable,
			Summary:     fmt.Sprintf("KUBELET_MAX_PODS cannot be judged: the pod CIDR %q is not a CIDR", cidr),
			Explanation: "The node's pod range could not be read, so max pods was not compared with it.",
			Evidence:    []Evidence{cidrEvidence},
			NextStep:    "Check the kubelet's --pod-cidr or the node's spec.podCIDR.",
		}}}
	}
	maxPods := kubeletDefaultMaxPods
	maxEvidence := Evidence{Item: itemKubeletCmd, Text: fmt.Sprintf("no --max-pods or maxPods: the kubelet's default %d", kubeletDefaultMaxPods)}
	if v, ev, ok := in.Setting("max-pods", "maxPods"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Result{}
		}
		maxPods, maxEvidence = n, ev
	}
	hostBits := prefix.Addr().BitLen() - prefix.Bits()
	addresses := new(big.Int).Lsh(big.NewInt(1), uint(hostBits))
	usable := new(big.Int).Sub(addresses, big.NewInt(reservedPodAddresses))
	if usable.Cmp(big.NewInt(int64(maxPods))) >= 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityWarn,
		Code:     "KUBELET_MAX_PODS_EXCEEDS_POD_CIDR",
		Summary: fmt.Sprintf("max pods %d exceeds the %s addresses of the node's pod CIDR %s (%s usable)",
			maxPods, addresses.String(), cidr, usable.String()),
		Explanation: "Each pod on the node takes an address of its pod range; the network address, the bridge's " +
			"gateway and the broadcast address are not given out. Once they run out, new pods on the node stay in " +
			"ContainerCreating with \"failed to allocate for range: no IP addresses available\", while the " +
			"scheduler, trusting max pods, keeps placing pods there.",
		Evidence: []Evidence{maxEvidence, cidrEvidence},
		NextStep: fmt.Sprintf("Lower max pods to at most %s (node pool setting), or give nodes a larger pod range "+
			"(the cluster's --node-cidr-mask-size).", usable.String()),
	}}}
}

// podCIDR is the node's pod range: the kubelet's --pod-cidr or podCIDR,
// else this node's spec.podCIDRs (the first IPv4 one) from kube_objects.
func podCIDR(in *Inputs) (string, Evidence, bool) {
	if v, ev, ok := in.Setting("pod-cidr", "podCIDR"); ok && v != "" {
		return v, ev, true
	}
	for _, n := range in.nodes {
		if n.name != in.Node || len(n.podCIDRs) == 0 {
			continue
		}
		cidr := n.podCIDRs[0]
		for _, c := range n.podCIDRs {
			if !strings.Contains(c, ":") {
				cidr = c
				break
			}
		}
		return cidr, Evidence{Item: n.item, Text: "spec.podCIDRs: " + strings.Join(n.podCIDRs, ",")}, true
	}
	return "", Evidence{}, false
}
