// Package kubefacts names the machine-readable facts the Kubernetes
// receivers put beside their describe text, for the diagnoser to read:
// parsing kubectl's wording would break with it, so the receivers write
// these attributes and the diagnoser reads them. Declared once here, so a
// rename cannot split the writer from the reader.
package kubefacts

// Every object record of kube_objects.
const (
	Kind      = "periscope.kube.kind" // Pod, Node, Deployment…
	Name      = "periscope.kube.name"
	Namespace = "k8s.namespace.name"
	// Conditions: [{type, status, reason, message}] of a Pod or Node.
	Conditions = "periscope.kube.conditions"
	// Events: [{type, reason, message, count, last_seen}] about the
	// object, newest first; last_seen is RFC 3339 when the event has a time.
	Events = "periscope.kube.events"
	// DeletionTimestamp (RFC 3339) is set on an object being deleted.
	DeletionTimestamp = "periscope.kube.deletion_timestamp"
	// Finalizers: what holds a deleted object back.
	Finalizers = "periscope.kube.finalizers"
)

// Pod facts.
const (
	PodPhase        = "k8s.pod.phase"
	WaitingReasons  = "periscope.pod.container_waiting_reasons"  // map container → reason
	WaitingMessages = "periscope.pod.container_waiting_messages" // map container → message
	RestartCounts   = "periscope.pod.restart_counts"             // map container → int
	PodNode         = "periscope.pod.node_name"                  // spec.nodeName (k8s.node.name names the collecting node)
	RestartPolicy   = "periscope.pod.restart_policy"             // Always, OnFailure, Never
	// GracePeriod is spec.terminationGracePeriodSeconds (int).
	GracePeriod = "periscope.pod.termination_grace_seconds"
	// Containers: one map per container (init containers too), its
	// history as kubectl describe shows it: name, init (bool), ready
	// (bool), restarts (int), state (waiting, running, terminated),
	// reason, message, exit_code (int), started_at, finished_at, and the
	// last termination: last_reason, last_exit_code (int),
	// last_finished_at. Times are RFC 3339; absent fields were not set.
	Containers = "periscope.pod.containers"
)

// Node facts.
const (
	NodePodCIDRs = "periscope.node.pod_cidrs" // spec.podCIDRs
	// NodeTaints are spec.taints as kubectl prints them (key[=value]:Effect).
	NodeTaints = "periscope.node.taints"
	// NodeUnschedulable is spec.unschedulable (cordoned); absent when false.
	NodeUnschedulable = "periscope.node.unschedulable"
)

// PodDisruptionBudget facts, on each namespace's pdb-<namespace> item.
const (
	// Budgets: one map per budget of the item: name, min_available and
	// max_unavailable (as written: a number or a percentage; absent when
	// unset), current_healthy, desired_healthy, expected_pods,
	// disruptions_allowed (ints), and pods: the names of the pods its
	// selector matches, each "name@node" when scheduled.
	Budgets = "periscope.pdb.budgets"
)
