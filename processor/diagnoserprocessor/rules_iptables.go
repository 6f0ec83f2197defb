package diagnoserprocessor

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/periscope-otel/periscope/internal/iptablessave"
)

// iptablesDropsClusterTraffic: a filter rule or policy drops a connection
// the node or its pods need.
//
// For each needed flow the filter table's built-in chain is walked the way
// netfilter evaluates it, jumps included. A rule only counts when every
// match it has is understood and certainly applies to the flow; at the
// first ACCEPT that may apply the flow is left undecided, so a finding is
// never a guess (an address set, a mark or an interface the flow may or may
// not have is "may apply").
type iptablesDropsClusterTraffic struct{}

func (iptablesDropsClusterTraffic) Spec() Spec {
	return Spec{
		Name:  "IPTABLES_DROPS_CLUSTER_TRAFFIC",
		Codes: []string{"IPTABLES_DROPS_CLUSTER_TRAFFIC"},
		Needs: [][]Item{{itemIptablesSave}},
		Uses:  []Item{itemKubeletCmd, itemKubeletConfig},
	}
}

// flow is one new connection the cluster needs.
type flow struct {
	what  string // for the summary
	chain string // INPUT, OUTPUT or FORWARD
	proto string // tcp or udp
	port  string
	dst   string // "" when the address is not known here (API server, pods)
}

func neededFlows(clusterDNS []string) []flow {
	var flows []flow
	dnsServers := append([]string{azureDNS}, clusterDNS...)
	for _, chain := range []string{"OUTPUT", "FORWARD"} {
		who := "the node"
		if chain == "FORWARD" {
			who = "pods"
		}
		for _, server := range dnsServers {
			name := "Azure DNS"
			if server != azureDNS {
				name = "the cluster DNS service"
			}
			for _, proto := range []string{"udp", "tcp"} {
				flows = append(flows, flow{fmt.Sprintf("DNS from %s to %s (%s %s:53)", who, name, proto, server), chain, proto, "53", server})
			}
		}
		flows = append(flows, flow{fmt.Sprintf("%s to the API server (tcp 443)", who), chain, "tcp", "443", ""})
	}
	flows = append(flows, flow{"the API server to the kubelet (tcp 10250)", "INPUT", "tcp", "10250", ""})
	return flows
}

func (iptablesDropsClusterTraffic) Judge(in *Inputs) Result {
	x := in.Get(itemIptablesSave)
	filter := x.Dump.Table("filter")
	if filter == nil {
		return Result{}
	}
	clusterDNS, _, _ := in.ClusterDNS()
	type finding struct {
		ev    Evidence
		flows []string
	}
	var findings []*finding
	byLine := map[int]*finding{}
	for _, f := range neededFlows(clusterDNS) {
		v := walk(filter, f.chain, f, 0)
		if v.kind != verdictDrop {
			continue
		}
		fd := byLine[v.line]
		if fd == nil {
			fd = &finding{ev: Evidence{Item: x.Item, Line: v.line, Text: v.text}}
			byLine[v.line] = fd
			findings = append(findings, fd)
		}
		fd.flows = append(fd.flows, f.what)
	}
	if len(findings) == 0 {
		return Result{}
	}
	var evidence []Evidence
	var blocked []string
	for _, fd := range findings {
		evidence = append(evidence, fd.ev)
		for _, w := range fd.flows {
			if !slices.Contains(blocked, w) {
				blocked = append(blocked, w)
			}
		}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityError,
		Code:     "IPTABLES_DROPS_CLUSTER_TRAFFIC",
		Summary:  fmt.Sprintf("the node's packet filter drops %s", strings.Join(blocked, ", ")),
		Explanation: "The filter table decides these connections with a DROP or REJECT rule, or a DROP policy, " +
			"before anything accepts them. Nodes and pods need DNS (port 53) to Azure DNS and to CoreDNS, the API " +
			"server (443), and the API server needs the kubelet (10250) for logs, exec and metrics. Such rules come " +
			"from hardening scripts, host firewalls (ufw, firewalld) or security agents, not from AKS or kube-proxy.",
		Evidence: evidence,
		NextStep: "Find what installed the quoted rule (a DaemonSet, a custom script extension, a host firewall) and " +
			"remove it or put an ACCEPT for the needed traffic before it; check with iptables -S on the node.",
	}}}
}

type verdictKind int

const (
	verdictNone      verdictKind = iota // fell off a user chain (RETURN)
	verdictAccept                       // certainly accepted
	verdictDrop                         // certainly dropped
	verdictUndecided                    // something that may apply accepts or returns
)

type verdict struct {
	kind verdictKind
	line int
	text string
}

// maxJumpDepth bounds the walk (iptables itself refuses loops).
const maxJumpDepth = 16

func walk(t *iptablessave.Table, chain string, f flow, depth int) verdict {
	if depth > maxJumpDepth {
		return verdict{kind: verdictUndecided}
	}
	for i := range t.Rules {
		r := &t.Rules[i]
		if r.Chain != chain {
			continue
		}
		m := matches(r, f)
		if m == matchNo {
			continue
		}
		switch target := r.Target; {
		case target == "ACCEPT":
			if m == matchYes {
				return verdict{kind: verdictAccept}
			}
			return verdict{kind: verdictUndecided}
		case target == "DROP" || target == "REJECT":
			if m == matchYes && !r.Goto {
				return verdict{kind: verdictDrop, line: r.Line, text: r.Raw}
			}
			// A drop that may apply: not certain, and not a reason to stop.
		case target == "RETURN":
			if m == matchYes {
				return verdict{kind: verdictNone}
			}
			return verdict{kind: verdictUndecided}
		case t.Chain(target) != nil:
			v := walk(t, target, f, depth+1)
			switch {
			case v.kind == verdictNone:
				if r.Goto {
					return verdict{kind: verdictNone}
				}
			case v.kind == verdictDrop && m == matchMaybe:
				// Dropped only if the jump applies: not certain.
			default:
				if m == matchMaybe && v.kind == verdictAccept {
					return verdict{kind: verdictUndecided}
				}
				return v
			}
		}
		// Other targets (LOG, MARK, CT…) do not decide.
	}
	if c := t.Chain(chain); c != nil && c.BuiltIn() {
		if c.Policy == "DROP" {
			return verdict{kind: verdictDrop, line: c.Line, text: fmt.Sprintf(":%s DROP (the chain's policy)", chain)}
		}
		return verdict{kind: verdictAccept}
	}
	return verdict{kind: verdictNone}
}

type matchResult int

const (
	matchNo matchResult = iota
	matchMaybe
	matchYes
)

// neutralModules are -m modules that only enable options judged below or
// that never restrict (comment).
var neutralModules = map[string]bool{"tcp": true, "udp": true, "comment": true, "multiport": true, "conntrack": true, "state": true}

// matches says whether rule r applies to a new connection of flow f.
func matches(r *iptablessave.Rule, f flow) matchResult {
	result := matchYes
	maybe := func() { result = matchMaybe }
	args := r.Matches
	for i := 0; i < len(args); i++ {
		negated := false
		if args[i] == "!" {
			negated = true
			i++
			if i >= len(args) {
				break
			}
		}
		opt := args[i]
		val := ""
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && args[i+1] != "!" {
			val = args[i+1]
			i++
		}
		var ok, known bool
		switch opt {
		case "-p", "--protocol":
			ok, known = val == f.proto || val == "all", true
		case "--dport", "--destination-port":
			ok, known = portIn(val, f.port), true
		case "--dports", "--destination-ports":
			ok, known = portListIn(val, f.port), true
		case "-d", "--destination":
			ok, known = addrMatch(val, f.dst)
		case "-s", "--source":
			// The node's and pods' own addresses are not known here; only
			// loopback sources are certainly not these flows.
			ok, known = !isLoopbackPrefix(val), isLoopbackPrefix(val)
		case "-i", "--in-interface", "-o", "--out-interface":
			ok, known = val != "lo", val == "lo"
		case "--ctstate", "--state":
			states := strings.Split(val, ",")
			ok, known = slices.Contains(states, "NEW"), true
		case "-m", "--match":
			ok, known = true, neutralModules[val]
		case "--comment", "--sport", "--source-port", "--sports":
			ok, known = true, opt == "--comment"
		default:
			ok, known = true, false
		}
		if !known {
			maybe()
			continue
		}
		if ok == negated {
			return matchNo
		}
	}
	return result
}

func portIn(val, port string) bool {
	if lo, hi, isRange := strings.Cut(val, ":"); isRange {
		return atoi(lo) <= atoi(port) && atoi(port) <= atoiOr(hi, 65535)
	}
	return val == port
}

func portListIn(val, port string) bool {
	for _, p := range strings.Split(val, ",") {
		if portIn(p, port) {
			return true
		}
	}
	return false
}

func atoi(s string) int { return atoiOr(s, 0) }

func atoiOr(s string, def int) int {
	if s == "" {
		return def
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return def
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// addrMatch: whether the flow's destination is in prefix, and whether that
// is known (a flow to an unknown address is certainly not in a loopback
// prefix, and may be in any other).
func addrMatch(prefix, dst string) (ok, known bool) {
	p, err := parsePrefix(prefix)
	if err != nil {
		return true, false
	}
	if dst == "" {
		if p.Addr().IsLoopback() {
			return false, true
		}
		return true, false
	}
	a, err := netip.ParseAddr(dst)
	if err != nil {
		return true, false
	}
	return p.Contains(a), true
}

func isLoopbackPrefix(prefix string) bool {
	p, err := parsePrefix(prefix)
	return err == nil && p.Addr().IsLoopback()
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
