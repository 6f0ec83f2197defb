package diagnoserprocessor

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The workload rules below judge a pod by its history as kubectl describe
// shows it — restart count, how each container last ended, its state now
// and the pod's events — so the verdict is the same at any second of a
// failure cycle, not only while the kubelet shows CrashLoopBackOff.

// backOffReset is how long a container must run before the kubelet resets
// its restart back-off (10 minutes): one that restarted after a failure
// more recently is still in its crash loop.
const backOffReset = 10 * time.Minute

// crashLoops: POD_CRASH_LOOPING, a container that keeps exiting.
type crashLoops struct{}

var podCrashLooping = crashLoops{}

func (crashLoops) Spec() Spec {
	return Spec{Name: "POD_CRASH_LOOPING", Codes: []string{"POD_CRASH_LOOPING"}, Needs: [][]Item{{itemKubePods}}}
}

// crashing says why a container is in a crash loop, or "".
func crashing(p *podFacts, c container) string {
	last := ""
	if c.HasLast {
		last = fmt.Sprintf("; last ended %s", ending(c.LastReason, c.LastExitCode, c.LastFinishedAt))
	}
	restarts := fmt.Sprintf(" (%d %s%s)", c.Restarts, plural(int(c.Restarts), "restart", "restarts"), last)
	lastFailed := c.HasLast && (c.LastExitCode != 0 || c.LastReason == "OOMKilled")
	switch {
	case c.State == "waiting" && c.Reason == "CrashLoopBackOff":
		return "waiting: CrashLoopBackOff" + restarts
	case p.restartPolicy == "Never" || c.Init && p.restartPolicy == "":
		return "" // a Job's or an unknown init container's end is not a loop
	case c.State == "terminated" && (c.ExitCode != 0 || c.Reason == "OOMKilled"):
		// Between two restarts: the kubelet shows the failure until the
		// back-off ends.
		return "terminated " + ending(c.Reason, c.ExitCode, c.FinishedAt) + ", to be restarted" + restarts
	case c.State == "terminated" && p.restartPolicy == "Always" && c.Restarts > 0 && !c.Init:
		return "exited " + ending(c.Reason, c.ExitCode, c.FinishedAt) + " again; restartPolicy Always restarts it" + restarts
	case c.State == "running" && c.Restarts > 0 && lastFailed && !c.StartedAt.IsZero() && !p.seen.IsZero() &&
		p.seen.Sub(c.StartedAt) < backOffReset:
		// Just after a restart: running, but for less than the back-off reset.
		return fmt.Sprintf("running for %s after a failure", p.seen.Sub(c.StartedAt).Round(time.Second)) + restarts
	case c.State == "waiting" && c.Restarts > 0 && lastFailed:
		return "waiting: " + c.Reason + restarts
	}
	return ""
}

// ending is how a container ended: "Error (exit 1) at 10:01:02Z".
func ending(reason string, code int64, at time.Time) string {
	if reason == "" {
		reason = "terminated"
	}
	text := fmt.Sprintf("%s (exit %d)", reason, code)
	if !at.IsZero() {
		text += " at " + at.UTC().Format(time.RFC3339)
	}
	return text
}

// backOffEvents are the kubelet's "Back-off restarting failed container"
// events of a container, the loop's own record when its state is between
// phases.
func backOffEvents(p *podFacts, name string) (event, bool) {
	for _, e := range p.events {
		if e.Reason == "BackOff" && strings.Contains(e.Message, "restarting failed container") &&
			(strings.Contains(e.Message, "container="+name+" ") || strings.Contains(e.Message, "container "+name+" ") ||
				strings.HasSuffix(e.Message, "container="+name) || len(p.containers) == 1) {
			return e, true
		}
	}
	return event{}, false
}

func eventText(e event) string {
	text := fmt.Sprintf("event %s", e.Reason)
	if e.Count > 1 {
		text += fmt.Sprintf(" ×%d", e.Count)
	}
	if !e.LastSeen.IsZero() {
		text += " (last " + e.LastSeen.UTC().Format(time.RFC3339) + ")"
	}
	return text + ": " + e.Message
}

func (crashLoops) Judge(in *Inputs) Result {
	var evidence []Evidence
	var names []string
	for _, p := range in.pods {
		flagged := false
		for _, c := range p.containers {
			why := crashing(p, c)
			e, backOff := backOffEvents(p, c.Name)
			if why == "" && backOff && c.Restarts > 0 && !(c.State == "running" && c.Ready && !p.seen.IsZero() && p.seen.Sub(c.StartedAt) >= backOffReset) {
				why = fmt.Sprintf("%s now, with the kubelet's back-off events (%d %s)", c.State, c.Restarts, plural(int(c.Restarts), "restart", "restarts"))
			}
			if why == "" {
				continue
			}
			flagged = true
			evidence = append(evidence, Evidence{Item: p.item, Text: "container " + c.Name + " " + why})
			if backOff {
				evidence = append(evidence, Evidence{Item: p.item, Text: eventText(e)})
			}
		}
		if !flagged && len(p.containers) == 0 {
			// A record without container histories (an older receiver):
			// the waiting reason alone.
			for c, reason := range p.waiting {
				if reason == "CrashLoopBackOff" {
					flagged = true
					evidence = append(evidence, Evidence{Item: p.item, Text: fmt.Sprintf("container %s waiting: CrashLoopBackOff (%d restarts)", c, p.restarts[c])})
				}
			}
		}
		if flagged {
			names = append(names, podName(p))
		}
	}
	if len(names) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityError,
		Code:     "POD_CRASH_LOOPING",
		Summary:  fmt.Sprintf("%d %s crash-looping: %s", len(names), plural(len(names), "pod", "pods"), listed(names)),
		Explanation: "A container that keeps exiting is restarted with a growing back-off (up to 5 minutes): the pod " +
			"is not serving, and a system pod (CoreDNS, konnectivity, CNI) crash-looping breaks the cluster for others. " +
			"The loop is read from the container's history (restarts, how it last ended, the kubelet's back-off " +
			"events), so it is found whether the run catches the container waiting, terminated or just restarted.",
		Evidence: objectEvidence(evidence, itemKubePods),
		NextStep: "Read the container's previous logs (`kubectl logs --previous <pod> -c <container>`, or its " +
			"rotated log items) and how it last ended: OOMKilled → raise the memory limit (POD_OOM_KILLED); exit " +
			"code 1 or 2 → the application's own error; 137 without OOMKilled → killed by a failing liveness probe " +
			"(POD_PROBE_FAILING).",
	}}}
}

// oomKills: POD_OOM_KILLED, a container killed for exceeding its memory
// limit, now or recently.
type oomKills struct{}

func (oomKills) Spec() Spec {
	return Spec{Name: "POD_OOM_KILLED", Codes: []string{"POD_OOM_KILLED"}, Needs: [][]Item{{itemKubePods}}}
}

// recentOOM is how long ago a last termination by OOM still counts when
// the container is running again.
const recentOOM = time.Hour

func (oomKills) Judge(in *Inputs) Result {
	var evidence []Evidence
	var names []string
	for _, p := range in.pods {
		flagged := false
		for _, c := range p.containers {
			var text string
			switch {
			case c.State == "terminated" && c.Reason == "OOMKilled":
				text = "terminated " + ending(c.Reason, c.ExitCode, c.FinishedAt)
			case c.HasLast && c.LastReason == "OOMKilled" &&
				(c.State != "running" || p.seen.IsZero() || c.LastFinishedAt.IsZero() || p.seen.Sub(c.LastFinishedAt) < recentOOM):
				text = fmt.Sprintf("%s now; last ended %s", c.State, ending(c.LastReason, c.LastExitCode, c.LastFinishedAt))
			default:
				continue
			}
			flagged = true
			evidence = append(evidence, Evidence{Item: p.item, Text: fmt.Sprintf("container %s %s (%d %s)", c.Name, text, c.Restarts, plural(int(c.Restarts), "restart", "restarts"))})
		}
		if flagged {
			names = append(names, podName(p))
		}
	}
	if len(names) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityError,
		Code:     "POD_OOM_KILLED",
		Summary:  fmt.Sprintf("%d %s OOM-killed: %s", len(names), plural(len(names), "pod", "pods"), listed(names)),
		Explanation: "The kernel killed a container that went past its memory limit (exit 137, reason OOMKilled): " +
			"its work is lost, and it restarts into the same limit, usually into a crash loop.",
		Evidence: objectEvidence(evidence, itemKubePods),
		NextStep: "Compare the limit (`kubectl describe pod`, Limits) with the container's use (`kubectl top pod " +
			"--containers`, systemperf): raise the limit, or find the leak; a JVM or .NET runtime may need its heap " +
			"bounded below the limit.",
	}}}
}

// probeFailures: POD_PROBE_FAILING, the kubelet's failed readiness,
// liveness or startup probes.
type probeFailures struct{}

func (probeFailures) Spec() Spec {
	return Spec{Name: "POD_PROBE_FAILING", Codes: []string{"POD_PROBE_FAILING"}, Needs: [][]Item{{itemKubePods}}}
}

func (probeFailures) Judge(in *Inputs) Result {
	var evidence []Evidence
	var names []string
	liveness := false
	for _, p := range in.pods {
		flagged := false
		for _, e := range p.events {
			if e.Reason != "Unhealthy" || !strings.Contains(e.Message, "probe failed") {
				continue
			}
			if !e.LastSeen.IsZero() && !p.seen.IsZero() && p.seen.Sub(e.LastSeen) > backOffReset {
				continue // failed a while ago and not since
			}
			flagged = true
			liveness = liveness || strings.HasPrefix(e.Message, "Liveness")
			evidence = append(evidence, Evidence{Item: p.item, Text: eventText(e)})
		}
		if flagged {
			names = append(names, podName(p))
		}
	}
	if len(names) == 0 {
		return Result{}
	}
	severity := SeverityWarn
	if liveness {
		severity = SeverityError // a failing liveness probe restarts the container
	}
	return Result{Signals: []Signal{{
		Severity: severity,
		Code:     "POD_PROBE_FAILING",
		Summary:  fmt.Sprintf("%d %s failing %s probes: %s", len(names), plural(len(names), "pod", "pods"), probeKinds(evidence), listed(names)),
		Explanation: "The kubelet's probes fail: a failing readiness probe takes the pod out of its Services' " +
			"endpoints; a failing liveness probe kills and restarts the container (exit 137), often into a crash " +
			"loop; a failing startup probe does the same before the container ever starts serving.",
		Evidence: objectEvidence(evidence, itemKubePods),
		NextStep: "Read the probe's failure in the evidence (status code, timeout, connection refused): check the " +
			"endpoint from inside the pod, and whether initialDelaySeconds, timeoutSeconds and failureThreshold fit " +
			"the application's start and response times under load.",
	}}}
}

func probeKinds(evidence []Evidence) string {
	var kinds []string
	for _, k := range []string{"Readiness", "Liveness", "Startup"} {
		for _, e := range evidence {
			if strings.Contains(e.Text, ": "+k+" probe failed") {
				kinds = append(kinds, strings.ToLower(k))
				break
			}
		}
	}
	return strings.Join(kinds, " and ")
}

// pullFailureCause names why an image pull fails, from the waiting message
// and the kubelet's Failed events: the image does not exist, the registry
// refused the node's credentials, or it cannot be reached.
func pullFailureCause(message string, events []event) string {
	texts := []string{message}
	for _, e := range events {
		if e.Reason == "Failed" && strings.Contains(e.Message, "pull") {
			texts = append(texts, e.Message)
		}
	}
	for _, t := range texts {
		l := strings.ToLower(t)
		switch {
		case containsAny(l, "unauthorized", "authentication required", "401", "403 forbidden", "access denied", "denied:"):
			return "the registry refused the node's credentials (unauthorized)"
		case containsAny(l, "not found", "manifest unknown", "does not exist", "name unknown"):
			return "the image or tag does not exist (not found)"
		case containsAny(l, "dial tcp", "i/o timeout", "no such host", "connection refused", "network is unreachable",
			"tls handshake timeout", "context deadline exceeded", "server misbehaving"):
			return "the registry cannot be reached (unreachable)"
		}
	}
	return ""
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// stuckTerminating: POD_STUCK_TERMINATING, pods deleted long past their
// grace period.
type stuckTerminating struct{}

func (stuckTerminating) Spec() Spec {
	return Spec{Name: "POD_STUCK_TERMINATING", Codes: []string{"POD_STUCK_TERMINATING"}, Needs: [][]Item{{itemKubePods}}}
}

// terminatingSlack is how long past its grace period a deleted pod may
// take before it counts as stuck.
const terminatingSlack = 2 * time.Minute

func (stuckTerminating) Judge(in *Inputs) Result {
	var evidence []Evidence
	var names []string
	for _, p := range in.pods {
		if p.deleted.IsZero() || p.seen.IsZero() {
			continue
		}
		grace := p.grace
		if grace < 0 {
			grace = 30 // the API server's default
		}
		late := p.seen.Sub(p.deleted) - time.Duration(grace)*time.Second
		if late < terminatingSlack {
			continue
		}
		names = append(names, podName(p))
		text := fmt.Sprintf("deleted at %s, %s past its %ds grace period", p.deleted.UTC().Format(time.RFC3339), late.Round(time.Second), grace)
		if len(p.finalizers) > 0 {
			text += "; finalizers: " + strings.Join(p.finalizers, ", ")
		}
		var running []string
		for _, c := range p.containers {
			if c.State == "running" {
				running = append(running, c.Name)
			}
		}
		if len(running) > 0 {
			text += "; still running: " + strings.Join(running, ", ")
		}
		evidence = append(evidence, Evidence{Item: p.item, Text: text})
	}
	if len(names) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityWarn,
		Code:     "POD_STUCK_TERMINATING",
		Summary:  fmt.Sprintf("%d %s stuck terminating: %s", len(names), plural(len(names), "pod", "pods"), listed(names)),
		Explanation: "A deleted pod stays Terminating until its node's kubelet confirms its containers stopped and " +
			"every finalizer is removed: a node that is down or NotReady never confirms, and a finalizer whose " +
			"controller is gone is never removed. A StatefulSet does not start the pod's replacement meanwhile.",
		Evidence: objectEvidence(evidence, itemKubePods),
		NextStep: "Check the pod's node (NODE_NOT_READY) and the finalizers' controllers; only when the node is " +
			"gone for good: `kubectl delete pod <pod> --grace-period=0 --force` (a StatefulSet pod may then run twice).",
	}}}
}

// pdbBlocksDrain: PDB_BLOCKS_DRAIN, budgets that allow no disruption now.
type pdbBlocksDrain struct{}

func (pdbBlocksDrain) Spec() Spec {
	return Spec{Name: "PDB_BLOCKS_DRAIN", Codes: []string{"PDB_BLOCKS_DRAIN"}, Needs: [][]Item{{itemBudgets}}}
}

func (pdbBlocksDrain) Judge(in *Inputs) Result {
	var evidence []Evidence
	var names []string
	for _, b := range in.budgets {
		if b.allowed > 0 || b.expectedPods == 0 {
			continue
		}
		names = append(names, b.namespace+"/"+b.name)
		evidence = append(evidence, Evidence{Item: b.item, Text: budgetText(b)})
	}
	if len(names) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityWarn,
		Code:     "PDB_BLOCKS_DRAIN",
		Summary: fmt.Sprintf("%d PodDisruptionBudget%s allow%s no disruption: %s", len(names), plural(len(names), "", "s"),
			plural(len(names), "s", ""), listed(names)),
		Explanation: "A node drain (an AKS upgrade, a node image upgrade, a scale-down, `kubectl drain`) evicts pods " +
			"only as far as their PodDisruptionBudgets allow: a budget that allows zero disruptions blocks the drain " +
			"of every node running one of its pods, and the AKS operation fails (PodDrainFailure) or waits.",
		Evidence: objectEvidence(evidence, itemBudgets),
		NextStep: "Allow at least one disruption: maxUnavailable ≥ 1, or minAvailable below the replicas (and more " +
			"replicas than minAvailable); make the unhealthy pods Ready. For a single-replica workload, scale it " +
			"to 2 before the upgrade.",
	}}}
}

// budgetText says why a budget allows nothing and which drains it holds.
func budgetText(b *budget) string {
	var why string
	switch {
	case b.maxUnavailable == "0" || b.maxUnavailable == "0%":
		why = "maxUnavailable " + b.maxUnavailable
	case b.currentHealthy < b.desiredHealthy:
		why = fmt.Sprintf("%d of %d pods healthy, %d needed (pods not Ready)", b.currentHealthy, b.expectedPods, b.desiredHealthy)
	case b.minAvailable != "":
		why = fmt.Sprintf("minAvailable %s with %d %s", b.minAvailable, b.expectedPods, plural(int(b.expectedPods), "pod", "pods"))
	default:
		why = fmt.Sprintf("%d of %d pods healthy, %d needed", b.currentHealthy, b.expectedPods, b.desiredHealthy)
	}
	text := fmt.Sprintf("%s/%s: %s — 0 disruptions allowed", b.namespace, b.name, why)
	nodes := map[string][]string{}
	var order []string
	for _, p := range b.pods {
		name, node, ok := strings.Cut(p, "@")
		if !ok {
			continue
		}
		if _, seen := nodes[node]; !seen {
			order = append(order, node)
		}
		nodes[node] = append(nodes[node], name)
	}
	slices.Sort(order)
	if len(order) > 0 {
		var drains []string
		for _, n := range order {
			drains = append(drains, fmt.Sprintf("%s (%s)", n, strings.Join(nodes[n], ", ")))
		}
		text += "; blocks draining " + strings.Join(drains, ", ")
	}
	return text
}

// nodesCordoned: NODE_CORDONED, nodes that take no new pods because they
// are cordoned: often what a failed drain (an upgrade stopped by a
// PodDisruptionBudget) leaves behind.
type nodesCordoned struct{}

func (nodesCordoned) Spec() Spec {
	return Spec{Name: "NODE_CORDONED", Codes: []string{"NODE_CORDONED"}, Needs: [][]Item{{itemKubeNodes}}}
}

func (nodesCordoned) Judge(in *Inputs) Result {
	var evidence []Evidence
	var names []string
	for _, n := range in.nodes {
		if !n.unschedulable {
			continue
		}
		names = append(names, n.name)
		text := "spec.unschedulable: true"
		if len(n.taints) > 0 {
			text += "; taints " + strings.Join(n.taints, ", ")
		}
		if c, ok := findCondition(n.conditions, "Ready"); ok {
			text += "; " + conditionText(c)
		}
		evidence = append(evidence, Evidence{Item: n.item, Text: text})
	}
	if len(names) == 0 {
		return Result{}
	}
	return Result{Signals: []Signal{{
		Severity: SeverityWarn,
		Code:     "NODE_CORDONED",
		Summary:  fmt.Sprintf("%d %s cordoned: %s", len(names), plural(len(names), "node", "nodes"), listed(names)),
		Explanation: "A cordoned node takes no new pods. A drain cordons the node first: one that failed (an AKS " +
			"upgrade stopped by a PodDisruptionBudget, PDB_BLOCKS_DRAIN) or a manual `kubectl cordon` leaves it so, " +
			"and the cluster runs with less capacity than it shows.",
		Evidence: objectEvidence(evidence, itemKubeNodes),
		NextStep: "Finish or undo what cordoned it: resolve the blocking budgets and retry the operation, or " +
			"`kubectl uncordon <node>` if nothing is in progress.",
	}}}
}
