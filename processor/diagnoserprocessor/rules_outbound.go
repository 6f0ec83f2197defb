package diagnoserprocessor

import (
	"encoding/json"
	"fmt"
	"time"
)

// networkOutboundKey is Periscope's networkoutbound diagnoser item; az aks
// kanalyze reads the same JSON from the Diagnostic resource.
const networkOutboundKey = "networkoutbound"

// outboundDatum is one element of Periscope's networkoutbound array.
type outboundDatum struct {
	HostName string    `json:"HostName"`
	Type     string    `json:"Type"`
	Start    time.Time `json:"Start"`
	End      time.Time `json:"End"`
	Status   string    `json:"Status"`
}

// networkOutbound writes Periscope's networkoutbound document: per target,
// consecutive probes in one state merged into a window. It repeats, so a
// DaemonSet's document grows with every round.
type networkOutbound struct{}

func (networkOutbound) Spec() Spec {
	return Spec{Name: "networkoutbound", Uses: []Item{itemConnectivityProbes}, Repeats: true}
}

func (networkOutbound) Judge(in *Inputs) Result {
	if len(in.outbound.targets) == 0 {
		return Result{} // no connectivity receiver: no document, as Periscope without its collector
	}
	var doc []outboundDatum
	for _, h := range in.outbound.targets {
		for _, w := range h.windows {
			doc = append(doc, outboundDatum{
				HostName: in.Node, Type: h.typ,
				Start: w.first.at.UTC().Truncate(time.Second), End: w.last.at.UTC().Truncate(time.Second),
				Status: w.first.status(),
			})
		}
	}
	body, _ := json.Marshal(doc) // strings and times: cannot fail
	return Result{Documents: []Document{{Key: networkOutboundKey, Body: body}}}
}

// outboundClass is what a failure class means and what to do about it.
type outboundClass struct {
	code, words, explanation, nextStep string
}

var (
	classDNSFailure = outboundClass{"OUTBOUND_DNS_FAILURE", "name resolution failed",
		"The node could not resolve the target's name: the resolver in its resolv.conf (Azure DNS, a custom " +
			"server, or a stub) did not answer, answered NXDOMAIN, or queries to it are dropped. Pods and the " +
			"kubelet resolve through the same servers, so image pulls and API calls by name fail alike.",
		"Run `dig <host>` on the node against each nameserver of /etc/resolv.conf; check the virtual network's " +
			"DNS servers forward to 168.63.129.16 and that port 53 is not filtered (DNS_* and IPTABLES_* signals)."}
	classTCPRefused = outboundClass{"OUTBOUND_TCP_REFUSED", "the connection was refused or reset",
		"The target's address answered the TCP connect with a reset: nothing listens on that port, or a " +
			"firewall (iptables REJECT, an appliance) rejects the traffic actively.",
		"Check the port is right and the service is up; look for REJECT rules on the node " +
			"(iptables-save) and in the route's firewall (UDR to an appliance)."}
	classTCPUnreachable = outboundClass{"OUTBOUND_TCP_UNREACHABLE", "the address could not be reached",
		"The TCP connect timed out or the network reported no route: packets are dropped silently on the way " +
			"(an NSG, a firewall, a user-defined route to an appliance that drops them) or the address is not routed.",
		"Check the subnet's NSG and route table, and the egress firewall's allow list for the target " +
			"(AKS's required outbound rules); `nc -vz <host> <port>` from the node shows the same."}
	classTLSFailure = outboundClass{"OUTBOUND_TLS_FAILURE", "the TLS handshake failed",
		"TCP connected but TLS did not complete: a TLS-inspecting proxy or firewall presents a certificate the " +
			"node does not trust, the certificate does not match the name, or the handshake was cut.",
		"Compare the certificate the node sees (`openssl s_client -connect <host>:443`) with the real one; add " +
			"the inspecting firewall's CA to the node's trust store, or exempt AKS's endpoints from inspection."}
	classHTTPStatus = outboundClass{"OUTBOUND_HTTP_STATUS", "the HTTP exchange failed",
		"The target answered, but not with the status expected, or the HTTP exchange broke: an egress proxy or " +
			"firewall may answer in the target's place (403, 407, 502), or the service itself failed.",
		"Look at the status and the response's server in the probe record; check the egress proxy's or " +
			"firewall's logs for the request."}
	classProxyFailure = outboundClass{"OUTBOUND_PROXY_FAILURE", "the HTTP proxy failed",
		"The probe went through the configured HTTP proxy (HTTPS_PROXY / HTTP_PROXY) and the proxy could not be " +
			"reached or refused to connect to the target.",
		"Check the proxy address in the node's environment (AKS httpProxyConfig), that the proxy is up and " +
			"allows the target, and that NO_PROXY lists the cluster's own addresses."}
	classAPIServer = outboundClass{"OUTBOUND_APISERVER_UNREACHABLE", "the API server could not be reached",
		"The kubelet, kube-proxy and every controller on the node talk to the API server; while it is " +
			"unreachable the node goes NotReady, pods are not started or updated, and logs and exec fail.",
		"Read the failure class in the evidence: DNS (the API server's FQDN, a private cluster's private DNS " +
			"zone link), TCP (NSG, route table, firewall to the API server's address and port 443), TLS (inspection)."}
)

// classOf maps the connectivity receiver's error class (and failed phase)
// to a code; ok is false for classes that are not connectivity findings
// (the target was not configured or not probed) or that are unknown.
func classOf(p probe) (outboundClass, bool, bool) {
	switch p.class {
	case "dns", "dns_nxdomain":
		return classDNSFailure, true, true
	case "connection_refused", "connection_reset":
		return classTCPRefused, true, true
	case "connect":
		return classTCPUnreachable, true, true
	case "timeout":
		switch p.phase {
		case "dns":
			return classDNSFailure, true, true
		case "tls":
			return classTLSFailure, true, true
		case "http":
			return classHTTPStatus, true, true
		}
		return classTCPUnreachable, true, true
	case "tls_unknown_authority", "tls_certificate", "tls_handshake":
		return classTLSFailure, true, true
	case "http_status", "http":
		return classHTTPStatus, true, true
	case "proxy":
		return classProxyFailure, true, true
	case "not_configured", "not_probed", "canceled":
		return outboundClass{}, false, true
	}
	return outboundClass{}, false, false
}

// apiServerTarget is the connectivity receiver's default target for the
// API server; a target of Periscope type "AKS API Server" counts too.
const (
	apiServerTarget = "apiserver"
	apiServerType   = "AKS API Server"
)

// outboundFailures: each failure window of each target, by class, and the
// recoveries. Judged at every round: a window is reported once, when it
// starts, and a recovery when the target is connected again.
type outboundFailures struct{}

func (outboundFailures) Spec() Spec {
	return Spec{
		Name: "OUTBOUND",
		Codes: []string{classAPIServer.code, classDNSFailure.code, classTCPRefused.code, classTCPUnreachable.code,
			classTLSFailure.code, classHTTPStatus.code, classProxyFailure.code, "OUTBOUND_RECOVERED"},
		Needs:   [][]Item{{itemConnectivityProbes}},
		Repeats: true,
	}
}

func (outboundFailures) Judge(in *Inputs) Result {
	var signals []Signal
	for _, h := range in.outbound.targets {
		label := h.target
		if h.typ != h.target {
			label += " (" + h.typ + ")"
		}
		if h.endpoint != "" {
			label += " " + h.endpoint
		}
		failedBefore := false
		// An episode is consecutive windows in one state: a gap of missed
		// rounds splits a window, not the finding.
		episode := time.Time{}
		for i, w := range h.windows {
			p := w.first
			if i == 0 || !p.sameState(h.windows[i-1].first) {
				episode = p.at
			}
			if p.ok {
				if failedBefore && i == len(h.windows)-1 && !h.windows[i-1].first.ok {
					signals = append(signals, recoveredSignal(h, label, w, episode))
				}
				continue
			}
			class, finding, known := classOf(p)
			if !known {
				signals = append(signals, Signal{
					Severity: SeverityWarn, Code: codeInputUnparsable, key: "class " + p.class,
					Summary:     fmt.Sprintf("%s cannot be judged: unknown failure class %q", itemConnectivityProbes, p.class),
					Explanation: "The connectivity receiver reported a failure class the OUTBOUND rule does not know; the window is in networkoutbound, without a finding.",
					Evidence:    []Evidence{{Item: itemConnectivityProbes, Text: label + ": " + p.status()}},
					NextStep:    "Check the connectivity receiver and the diagnoser are of the same release.",
				})
				continue
			}
			if !finding {
				continue
			}
			failedBefore = true
			if h.target == apiServerTarget || h.typ == apiServerType {
				class = classAPIServer
			}
			sev := SeverityError
			if i < len(h.windows)-1 {
				sev = SeverityWarn // it recovered since
			}
			signals = append(signals, Signal{
				Severity:    sev,
				Code:        class.code,
				Summary:     fmt.Sprintf("%s: %s (%s) %s", label, class.words, p.class, w.span()),
				Explanation: class.explanation,
				Evidence:    []Evidence{{Item: itemConnectivityProbes, Text: fmt.Sprintf("%s: %s %s", label, p.status(), w.span())}},
				NextStep:    class.nextStep,
				key:         h.target + " " + timeText(episode),
			})
		}
	}
	return Result{Signals: signals}
}

func recoveredSignal(h *history, label string, w window, episode time.Time) Signal {
	prev := h.windows[len(h.windows)-2]
	return Signal{
		Severity: SeverityInfo,
		Code:     "OUTBOUND_RECOVERED",
		Summary:  fmt.Sprintf("%s connected again %s, after failing (%s)", label, w.span(), prev.first.class),
		Explanation: "A target that failed earlier in the run is reachable again: the failure was transient " +
			"(a restart, a DNS or firewall change, a maintenance window). The failure's window is in networkoutbound.",
		Evidence: []Evidence{
			{Item: itemConnectivityProbes, Text: fmt.Sprintf("%s: %s %s", label, prev.first.status(), prev.span())},
			{Item: itemConnectivityProbes, Text: fmt.Sprintf("%s: Connected %s", label, w.span())},
		},
		NextStep: "If it recurs, compare the failure windows with changes to DNS, NSGs, routes or firewalls at those times.",
		key:      h.target + " " + timeText(episode),
	}
}
