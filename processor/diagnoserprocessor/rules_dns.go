package diagnoserprocessor

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// azureDNS is Azure's recursive resolver, reachable from every VM.
const azureDNS = "168.63.129.16"

func isLoopback(addr string) bool {
	a, err := netip.ParseAddr(addr)
	return err == nil && a.IsLoopback()
}

// dnsCustomNameserver: the node resolves through servers that are neither
// Azure DNS nor the cluster's DNS service.
type dnsCustomNameserver struct{}

func (dnsCustomNameserver) Spec() Spec {
	return Spec{
		Name:  "DNS_CUSTOM_NAMESERVER",
		Codes: []string{"DNS_CUSTOM_NAMESERVER"},
		Needs: [][]Item{{itemVirtualMachine}},
		Uses:  []Item{itemKubeletResolv, itemKubeletCmd, itemKubeletConfig},
	}
}

func (dnsCustomNameserver) Judge(in *Inputs) Result {
	clusterDNS, clusterEv, clusterKnown := in.ClusterDNS()
	seen := map[string]bool{}
	var custom []string
	var evidence []Evidence
	// The node's own file, and the upstream file the kubelet hands pods:
	// on Ubuntu the first only names systemd-resolved's stub (127.0.0.53)
	// and the servers really used are in the second.
	for _, it := range []Item{itemVirtualMachine, itemKubeletResolv} {
		x := in.Get(it)
		if x == nil {
			continue
		}
		for _, ns := range x.Resolv.Nameservers {
			if ns == azureDNS || isLoopback(ns) || slices.Contains(clusterDNS, ns) || seen[ns] {
				continue
			}
			seen[ns] = true
			custom = append(custom, ns)
			line, text := lineOf(x.Text, "nameserver", ns)
			evidence = append(evidence, resolvEvidence(x, line, text, "nameserver "+ns))
		}
	}
	if len(custom) == 0 {
		return Result{}
	}
	explanation := "AKS nodes resolve names through Azure DNS (168.63.129.16) unless the virtual network names " +
		"custom DNS servers. A custom server must answer for everything the node and the cluster need: the API " +
		"server's name (for a private cluster, its privatelink zone), mcr.microsoft.com and the other Azure " +
		"endpoints, usually by forwarding what it does not host to 168.63.129.16. When it cannot, nodes fail to " +
		"join or to pull images, and pods fail too: CoreDNS forwards external names to these servers."
	if clusterKnown {
		evidence = append(evidence, clusterEv)
	} else {
		explanation += " The cluster DNS service's address was not known in this run (no --cluster-dns or " +
			"clusterDNS), so it could not be told apart from a custom server."
	}
	return Result{Signals: []Signal{{
		Severity: SeverityWarn,
		Code:     "DNS_CUSTOM_NAMESERVER",
		Summary: fmt.Sprintf("the node resolves names through %s, not Azure DNS (%s)",
			plural(len(custom), "custom DNS server ", "custom DNS servers ")+strings.Join(custom, ", "), azureDNS),
		Explanation: explanation,
		Evidence:    evidence,
		NextStep: fmt.Sprintf("From the node, check that %s resolves the API server's name and mcr.microsoft.com "+
			"(nslookup mcr.microsoft.com %s); make the server forward what it does not host to %s, or remove it "+
			"from the virtual network's DNS servers.", custom[0], custom[0], azureDNS),
	}}}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Limits of resolvers that read a pod's search line: glibc before 2.26
// (MAXDNSRCH, and its fixed-size buffer for the line).
const (
	maxSearchDomains = 6
	maxSearchChars   = 256
	// maxNamespaceLen is the longest Kubernetes namespace name (a DNS label).
	maxNamespaceLen = 63
)

// dnsSearchTooLong: once pods add the cluster's own search domains, the
// search list exceeds what older resolvers read.
type dnsSearchTooLong struct{}

func (dnsSearchTooLong) Spec() Spec {
	return Spec{
		Name:  "DNS_SEARCH_TOO_LONG",
		Codes: []string{"DNS_SEARCH_TOO_LONG"},
		Needs: [][]Item{{itemKubeletResolv, itemVirtualMachine}},
		Uses:  []Item{itemKubernetesDNS, itemKubeletCmd, itemKubeletConfig},
	}
}

func (dnsSearchTooLong) Judge(in *Inputs) Result {
	host := in.Get(itemKubeletResolv)
	if host == nil {
		host = in.Get(itemVirtualMachine)
	}
	domain := in.ClusterDomain()
	// A pod's list: <namespace>.svc.<domain> svc.<domain> <domain>, then the node's.
	podList := append([]string{"svc." + domain, domain}, host.Resolv.Search...)
	count := len(podList) + 1
	fixedChars := len(strings.Join(podList, " ")) + len(" .svc.") + len(domain) // without the namespace
	longestNamespace := maxSearchChars - fixedChars                             // a longer one exceeds
	var problems []string
	var evidence []Evidence
	if count > maxSearchDomains {
		problems = append(problems, fmt.Sprintf("pods get %d search domains (the cluster's 3 and the node's %d); at most %d are read",
			count, len(host.Resolv.Search), maxSearchDomains))
	}
	switch {
	case longestNamespace < 1:
		problems = append(problems, fmt.Sprintf("the pods' search line is at least %d characters; only %d are read",
			fixedChars+1, maxSearchChars))
	case longestNamespace < maxNamespaceLen:
		problems = append(problems, fmt.Sprintf("the pods' search line exceeds %d characters in namespaces longer than %d characters",
			maxSearchChars, longestNamespace))
	}
	if len(problems) > 0 {
		line, text := lineOf(host.Text, "search")
		if line == 0 {
			line, text = lineOf(host.Text, "domain")
		}
		evidence = append(evidence, resolvEvidence(host, line, text, "no search line"))
	}
	// What a pod really got, when the collector's own resolv.conf arrived.
	if pod := in.Get(itemKubernetesDNS); pod != nil {
		n, chars := len(pod.Resolv.Search), len(strings.Join(pod.Resolv.Search, " "))
		if n > maxSearchDomains || chars > maxSearchChars {
			problems = append(problems, fmt.Sprintf("this pod's resolv.conf has %d search domains, %d characters", n, chars))
			line, text := lineOf(pod.Text, "search")
			evidence = append(evidence, resolvEvidence(pod, line, text, "search list"))
		}
	}
	if len(problems) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityWarn,
		Code:     "DNS_SEARCH_TOO_LONG",
		Summary:  strings.Join(problems, "; "),
		Explanation: fmt.Sprintf("A pod's resolv.conf lists the cluster's search domains (<namespace>.svc.%s svc.%s %s) "+
			"followed by the node's, from the file the kubelet's --resolv-conf names. glibc before 2.26 reads at most "+
			"%d domains and %d characters of the search line and silently drops the rest, and a kubelet before 1.28 "+
			"drops domains beyond %d itself (logging \"Search Line limits were exceeded\"). Names that only resolve "+
			"through a dropped domain fail in those pods, depending on the image's C library.",
			domain, domain, domain, maxSearchDomains, maxSearchChars, maxSearchDomains),
		Evidence: evidence,
		NextStep: "Shorten the node's search list (the virtual network's or DHCP's DNS suffixes, or the search " +
			"line of the kubelet's --resolv-conf file), or give affected pods their own list with " +
			"dnsPolicy: None and dnsConfig.searches.",
	}}}
}

// dnsNdotsMultiplies: a pod's ndots with its search list turns one lookup
// of an external name into several.
type dnsNdotsMultiplies struct{}

func (dnsNdotsMultiplies) Spec() Spec {
	return Spec{
		Name:  "DNS_NDOTS_MULTIPLIES",
		Codes: []string{"DNS_NDOTS_MULTIPLIES"},
		Needs: [][]Item{{itemKubernetesDNS}},
	}
}

// Kubernetes' own ndots and the search list of an AKS pod (the cluster's 3
// and the node's internal.cloudapp.net domain): above either, the cost is
// the cluster's own choice and worth a warning.
const (
	kubernetesNdots  = 5
	usualSearchCount = 4
)

func (dnsNdotsMultiplies) Judge(in *Inputs) Result {
	pod := in.Get(itemKubernetesDNS)
	r := pod.Resolv
	if r.Ndots <= 1 || len(r.Search) == 0 {
		return Result{}
	}
	name := "login.microsoftonline.com"
	if strings.Count(name, ".") >= r.Ndots {
		name = "example.com"
	}
	queries := len(r.Search) + 1
	severity := SeverityInfo
	if r.Ndots > kubernetesNdots || len(r.Search) > usualSearchCount {
		severity = SeverityWarn
	}
	optLine, optText := lineWithOption(pod.Text, "ndots")
	searchLine, searchText := lineOf(pod.Text, "search")
	return Result{Signals: []Signal{{
		Severity: severity,
		Code:     "DNS_NDOTS_MULTIPLIES",
		Summary: fmt.Sprintf("ndots:%d with %d search domains: a lookup of an external name makes %d queries, %d with A and AAAA",
			r.Ndots, len(r.Search), queries, 2*queries),
		Explanation: fmt.Sprintf("A name with fewer than %d dots is tried with every search domain before it is tried as "+
			"written: %s (%d dots) is looked up as %s.%s and %d more names that do not exist, then as %s — %d queries "+
			"instead of 1, each sent for A and AAAA. Every miss is a round trip to CoreDNS and, for the node's domains, "+
			"to the upstream server: more latency, more CoreDNS load, and more chances of the UDP conntrack race that "+
			"shows up as 5-second lookup delays.",
			r.Ndots, name, strings.Count(name, "."), name, r.Search[0], len(r.Search)-1, name, queries),
		Evidence: []Evidence{
			resolvEvidence(pod, optLine, optText, fmt.Sprintf("ndots:%d (the resolver's default)", r.Ndots)),
			resolvEvidence(pod, searchLine, searchText, "search list"),
		},
		NextStep: "Call external services by fully qualified names with a trailing dot (" + name + ".), or lower " +
			"ndots for chatty pods (dnsConfig.options: [{name: ndots, value: \"2\"}]).",
	}}}
}

// kubeletResolvConfStub: the kubelet hands pods a loopback nameserver.
type kubeletResolvConfStub struct{}

func (kubeletResolvConfStub) Spec() Spec {
	return Spec{
		Name:  "KUBELET_RESOLV_CONF_STUB",
		Codes: []string{"KUBELET_RESOLV_CONF_STUB"},
		Needs: [][]Item{{itemKubeletResolv, itemKubeletCmd}},
		Uses:  []Item{itemKubeletConfig, itemVirtualMachine},
	}
}

// stubResolvConf is systemd-resolved's file naming its loopback stub.
const (
	stubResolvConf            = "/run/systemd/resolve/stub-resolv.conf"
	kubeletDefaultResolv      = "/etc/resolv.conf"
	systemdUpstreamResolvConf = "/run/systemd/resolve/resolv.conf"
)

func (kubeletResolvConfStub) Judge(in *Inputs) Result {
	var stubs []string
	var evidence []Evidence
	if x := in.Get(itemKubeletResolv); x != nil {
		for _, ns := range x.Resolv.Nameservers {
			if isLoopback(ns) {
				stubs = append(stubs, ns)
				line, text := lineOf(x.Text, "nameserver", ns)
				evidence = append(evidence, resolvEvidence(x, line, text, "nameserver "+ns))
			}
		}
		if len(stubs) > 0 && x.FoundBy != "" {
			evidence = append(evidence, Evidence{Item: x.Item, Text: x.Source + " is " + x.FoundBy})
		}
	} else {
		// Without the file itself, judge the path the kubelet was given.
		path, ev, ok := in.Setting("resolv-conf", "resolvConf")
		if !ok {
			path, ev = kubeletDefaultResolv, Evidence{Item: itemKubeletCmd, Text: "no --resolv-conf: the kubelet's default " + kubeletDefaultResolv}
		}
		switch {
		case path == stubResolvConf:
			stubs = append(stubs, "127.0.0.53")
			evidence = append(evidence, ev)
		case path == kubeletDefaultResolv:
			if vm := in.Get(itemVirtualMachine); vm != nil && (vm.Source == "" || vm.Source == kubeletDefaultResolv) {
				for _, ns := range vm.Resolv.Nameservers {
					if isLoopback(ns) {
						stubs = append(stubs, ns)
						line, text := lineOf(vm.Text, "nameserver", ns)
						evidence = append(evidence, resolvEvidence(vm, line, text, "nameserver "+ns))
					}
				}
				if len(stubs) > 0 {
					evidence = append([]Evidence{ev}, evidence...)
				}
			}
		}
	}
	if len(stubs) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityError,
		Code:     "KUBELET_RESOLV_CONF_STUB",
		Summary: fmt.Sprintf("the kubelet hands pods a resolv.conf with %s %s, a local stub resolver pods cannot reach",
			plural(len(stubs), "nameserver", "nameservers"), strings.Join(stubs, ", ")),
		Explanation: "Pods with dnsPolicy Default, and CoreDNS itself (forward . /etc/resolv.conf), get the " +
			"nameservers of the file the kubelet's --resolv-conf names. A 127.0.0.0/8 address there is a resolver on " +
			"the node's loopback (systemd-resolved's stub is 127.0.0.53); inside a pod's network namespace it is the " +
			"pod itself, so lookups time out, and CoreDNS's loop plugin stops it (CrashLoopBackOff, \"Loop ... detected\").",
		Evidence: evidence,
		NextStep: "Point the kubelet's --resolv-conf (or resolvConf in its --config file) at " + systemdUpstreamResolvConf +
			", systemd-resolved's list of upstream servers, and restart the kubelet.",
	}}}
}
