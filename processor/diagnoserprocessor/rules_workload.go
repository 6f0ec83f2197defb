package diagnoserprocessor

import (
	"fmt"
	"slices"
	"strings"
)

// maxObjectEvidence bounds the objects one signal quotes: a cluster with
// thousands of failing pods gets the first ones and a count.
const maxObjectEvidence = 20

// objectEvidence caps evidence at maxObjectEvidence lines, the last one
// saying how many more there were.
func objectEvidence(all []Evidence, item Item) []Evidence {
	if len(all) <= maxObjectEvidence {
		return all
	}
	more := len(all) - maxObjectEvidence + 1
	return append(all[:maxObjectEvidence-1:maxObjectEvidence-1], Evidence{Item: item, Text: fmt.Sprintf("and %d more", more)})
}

func podName(p *podFacts) string {
	if p.namespace == "" {
		return p.name
	}
	return p.namespace + "/" + p.name
}

// waitingPods: pods with a container waiting for one of reasons.
type waitingPods struct {
	name, code string
	severity   Severity
	reasons    []string
	what       string // "failing to pull images"
	explain    string
	next       string
	// classify, when set, names the cause from the waiting message and
	// the pod's events.
	classify func(message string, events []event) string
}

var (
	podImagePullFailing = waitingPods{
		name: "POD_IMAGE_PULL_FAILING", code: "POD_IMAGE_PULL_FAILING", severity: SeverityError,
		reasons: []string{"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"},
		what:    "failing to pull images",
		explain: "The kubelet cannot pull a container image: the name or tag does not exist, the registry refuses " +
			"the node's credentials (ACR not attached to the cluster, an expired pull secret), or the registry cannot " +
			"be reached (egress firewall, private endpoint DNS: see the OUTBOUND_* signals).",
		next: "Read the waiting message in the evidence; check the image exists, `az aks check-acr` for ACR, and " +
			"that the node reaches the registry (networkoutbound).",
		classify: pullFailureCause,
	}
)

func (r waitingPods) Spec() Spec {
	return Spec{Name: r.name, Codes: []string{r.code}, Needs: [][]Item{{itemKubePods}}}
}

func (r waitingPods) Judge(in *Inputs) Result {
	var evidence []Evidence
	var names []string
	for _, p := range in.pods {
		containers := make([]string, 0, len(p.waiting))
		for c, reason := range p.waiting {
			if slices.Contains(r.reasons, reason) {
				containers = append(containers, c)
			}
		}
		if len(containers) == 0 {
			continue
		}
		slices.Sort(containers)
		names = append(names, podName(p))
		for _, c := range containers {
			text := fmt.Sprintf("container %s waiting: %s", c, p.waiting[c])
			if n, ok := p.restarts[c]; ok {
				text += fmt.Sprintf(" (%d %s)", n, plural(int(n), "restart", "restarts"))
			}
			m := p.waitingMessage[c]
			if m != "" {
				text += ": " + m
			}
			if r.classify != nil {
				if cause := r.classify(m, p.events); cause != "" {
					text += " — " + cause
				}
			}
			evidence = append(evidence, Evidence{Item: p.item, Text: text})
		}
	}
	if len(names) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity:    r.severity,
		Code:        r.code,
		Summary:     fmt.Sprintf("%d %s %s: %s", len(names), plural(len(names), "pod", "pods"), r.what, listed(names)),
		Explanation: r.explain,
		Evidence:    objectEvidence(evidence, itemKubePods),
		NextStep:    r.next,
	}}}
}

// listed joins names, at most five, with a count of the rest.
func listed(names []string) string {
	if len(names) <= 5 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
}

// podPending: pods Pending and not scheduled, with the scheduler's reason.
type podPending struct{}

func (podPending) Spec() Spec {
	return Spec{Name: "POD_PENDING", Codes: []string{"POD_PENDING"}, Needs: [][]Item{{itemKubePods}}}
}

func (podPending) Judge(in *Inputs) Result {
	var evidence []Evidence
	var names []string
	var obstacles schedulingObstacles
	for _, p := range in.pods {
		if p.phase != "Pending" {
			continue
		}
		scheduled, ok := findCondition(p.conditions, "PodScheduled")
		if ok && scheduled.Status == "True" {
			continue // scheduled: waiting for its containers (POD_IMAGE_PULL_FAILING judges pulls)
		}
		names = append(names, podName(p))
		found := false
		for _, e := range p.events {
			if e.Reason == "FailedScheduling" {
				found = true
				obstacles.read(e.Message)
				text := fmt.Sprintf("FailedScheduling: %q", e.Message)
				if e.Count > 1 {
					text += fmt.Sprintf(" (%d times)", e.Count)
				}
				evidence = append(evidence, Evidence{Item: p.item, Text: text})
			}
		}
		switch {
		case found:
		case ok && scheduled.Message != "":
			// Events expire after an hour; the condition keeps the last word.
			obstacles.read(scheduled.Message)
			evidence = append(evidence, Evidence{Item: p.item, Text: fmt.Sprintf("PodScheduled=%s %s: %q", scheduled.Status, scheduled.Reason, scheduled.Message)})
		default:
			evidence = append(evidence, Evidence{Item: p.item, Text: "Pending, no scheduling event or condition"})
		}
	}
	if len(names) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityWarn,
		Code:     "POD_PENDING",
		Summary:  fmt.Sprintf("%d %s Pending, not scheduled: %s", len(names), plural(len(names), "pod", "pods"), listed(names)),
		Explanation: "The scheduler found no node for these pods. Its FailedScheduling message says why per node: " +
			"insufficient cpu or memory, a taint the pod does not tolerate, node affinity or a volume's zone, " +
			"too many pods (max pods per node). It counts tainted and cordoned nodes without naming them: " +
			"when nodes were collected, the evidence names them, with their Ready state.",
		Evidence: append(objectEvidence(evidence, itemKubePods), obstacles.nodes(in.nodes)...),
		NextStep: "Act on the message: scale the node pool or enable the cluster autoscaler, lower the pods' " +
			"requests, add tolerations, or fix affinity and volume zones.",
	}}}
}

// schedulingObstacles are what the scheduler's messages blame on nodes
// without naming them: "1 node(s) had untolerated taint(s)" (the taint is
// no longer in the message), "1 node(s) were unschedulable" (cordoned).
type schedulingObstacles struct{ taints, cordons bool }

func (o *schedulingObstacles) read(message string) {
	o.taints = o.taints || strings.Contains(message, "taint")
	o.cordons = o.cordons || strings.Contains(message, "were unschedulable")
}

// nodes names each collected node that has what the messages blamed: its
// taints, its cordon, and its Ready state when not Ready (an unreachable
// node's taint is the symptom; the node is the cause).
func (o schedulingObstacles) nodes(nodes []*nodeFacts) []Evidence {
	var out []Evidence
	for _, n := range nodes {
		var parts []string
		if o.taints && len(n.taints) > 0 {
			parts = append(parts, "taints "+strings.Join(n.taints, ", "))
		}
		if o.cordons && n.unschedulable {
			parts = append(parts, "cordoned (unschedulable)")
		}
		if len(parts) == 0 {
			continue
		}
		text := strings.Join(parts, "; ")
		if c, ok := findCondition(n.conditions, "Ready"); ok && c.Status != "True" {
			text += " (Ready=" + c.Status + ")"
		}
		out = append(out, Evidence{Item: n.item, Text: text})
	}
	return objectEvidence(out, itemKubeNodes)
}

// nodeConditions: nodes NotReady, or under memory, disk or PID pressure.
type nodeConditions struct{}

func (nodeConditions) Spec() Spec {
	return Spec{Name: "NODE_CONDITIONS", Codes: []string{"NODE_NOT_READY", "NODE_PRESSURE"}, Needs: [][]Item{{itemKubeNodes}}}
}

var pressureConditions = []string{"MemoryPressure", "DiskPressure", "PIDPressure"}

func conditionText(c condition) string {
	text := c.Type + "=" + c.Status
	if c.Reason != "" {
		text += " " + c.Reason
	}
	if c.Message != "" {
		text += fmt.Sprintf(": %q", c.Message)
	}
	return text
}

func (nodeConditions) Judge(in *Inputs) Result {
	var notReady, pressure []Evidence
	var notReadyNames, pressureNames []string
	for _, n := range in.nodes {
		if c, ok := findCondition(n.conditions, "Ready"); ok && c.Status != "True" {
			notReadyNames = append(notReadyNames, n.name)
			notReady = append(notReady, Evidence{Item: n.item, Text: conditionText(c)})
		}
		under := false
		for _, typ := range pressureConditions {
			if c, ok := findCondition(n.conditions, typ); ok && c.Status == "True" {
				under = true
				pressure = append(pressure, Evidence{Item: n.item, Text: conditionText(c)})
			}
		}
		if under {
			pressureNames = append(pressureNames, n.name)
		}
	}
	var signals []Signal
	if len(notReady) > 0 {
		signals = append(signals, Signal{
			Severity: SeverityError,
			Code:     "NODE_NOT_READY",
			Summary:  fmt.Sprintf("%d %s not Ready: %s", len(notReadyNames), plural(len(notReadyNames), "node", "nodes"), listed(notReadyNames)),
			Explanation: "A node whose Ready condition is False or Unknown gets no new pods, and after a few " +
				"minutes its pods are evicted: False is the kubelet's own verdict (runtime, CNI or PLEG trouble), " +
				"Unknown means the kubelet stopped reporting (the node is down or cannot reach the API server).",
			Evidence: objectEvidence(notReady, itemKubeNodes),
			NextStep: "Read the condition's message; on the node, check `systemctl status kubelet containerd` and " +
				"the kubelet's journal (systemlogs), and its connectivity to the API server (OUTBOUND_* signals).",
		})
	}
	if len(pressure) > 0 {
		signals = append(signals, Signal{
			Severity: SeverityWarn,
			Code:     "NODE_PRESSURE",
			Summary:  fmt.Sprintf("%d %s under resource pressure: %s", len(pressureNames), plural(len(pressureNames), "node", "nodes"), listed(pressureNames)),
			Explanation: "The kubelet reports memory, disk or PID pressure when the node crosses its eviction " +
				"thresholds: it evicts pods (lowest priority and most over their requests first) and the node is " +
				"tainted so no new pods land on it.",
			Evidence: objectEvidence(pressure, itemKubeNodes),
			NextStep: "Find the consumer (`kubectl top pods`, the node's disk usage of /var/lib/containerd and " +
				"logs); set requests and limits, clean images, or use a larger VM size or OS disk.",
		})
	}
	return Result{Signals: signals}
}
