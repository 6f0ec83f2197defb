package diagnoserprocessor

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/kubefacts"
	"github.com/periscope-otel/periscope/internal/layout"
)

// The kube_objects receiver's collector; its records are a stream of
// objects, grouped by kind into the items the workload rules read. They
// are whole only at the run's end (the receiver sends no end marker).
const kubeObjectsCollector = "kubeobjects"

var (
	itemKubePods  = Item{kubeObjectsCollector, "pods"}
	itemKubeNodes = Item{kubeObjectsCollector, "nodes"}
)

// The pod_disruption_budgets receiver's collector: one record per
// namespace (pdb-<namespace>) with its budgets' facts.
const pdbCollector = "poddisruptionbudget"

var itemBudgets = Item{pdbCollector, "budgets"}

// condition is a pod's or node's status condition.
type condition struct{ Type, Status, Reason, Message string }

// event is an event about the object.
type event struct {
	Type, Reason, Message string
	Count                 int64
	LastSeen              time.Time // zero when the event had no time
}

// container is one container's history (kubefacts.Containers).
type container struct {
	Name                   string
	Init, Ready            bool
	Restarts               int64
	State, Reason, Message string // state: waiting, running, terminated
	ExitCode               int64
	StartedAt, FinishedAt  time.Time
	// The last termination, when the container ended before.
	LastReason     string
	LastExitCode   int64
	LastFinishedAt time.Time
	HasLast        bool
}

// budget is a PodDisruptionBudget's facts (kubefacts.Budgets).
type budget struct {
	item                           Item // poddisruptionbudget/pdb-<namespace>
	namespace, name                string
	minAvailable, maxUnavailable   string
	currentHealthy, desiredHealthy int64
	expectedPods, allowed          int64
	pods                           []string // name@node
}

// podFacts is what the workload rules know of a pod.
type podFacts struct {
	item            Item // kubeobjects/<namespace>_<type>_<name>
	namespace, name string
	phase           string
	waiting         map[string]string // container → reason
	waitingMessage  map[string]string
	restarts        map[string]int64
	conditions      []condition
	events          []event
	containers      []container
	restartPolicy   string
	grace           int64     // termination grace period, seconds; -1 when unknown
	deleted         time.Time // deletion timestamp; zero when not being deleted
	finalizers      []string
	seen            time.Time // when the run collected it
}

// nodeFacts is what the rules know of a node.
type nodeFacts struct {
	item       Item
	name       string
	conditions []condition
	podCIDRs   []string
	events     []event
	// taints as kubectl prints them; unschedulable: cordoned.
	taints        []string
	unschedulable bool
}

// kubeArrived adds an object's facts; a Pod or Node record without them
// passes through and is reported once per run and reason.
func (d *diagnoser) kubeArrived(st *runState, lr plog.LogRecord, out *output) {
	attrs := lr.Attributes()
	if attrString(attrs, layout.AttrItemKind) != string(layout.KindDocument) {
		return // an error record: periscope-errors.log has it; a missing stream is reported at the end
	}
	item := Item{attrString(attrs, layout.AttrCollector), attrString(attrs, layout.AttrItemKey)}
	var stream Item
	var err error
	kind := attrString(attrs, kubefacts.Kind)
	if item.Collector == pdbCollector {
		kind = "PodDisruptionBudget"
	}
	switch kind {
	case "PodDisruptionBudget":
		stream = itemBudgets
		var bs []*budget
		if bs, err = budgetsOf(item, attrs); err == nil {
			st.inputs.budgets = append(st.inputs.budgets, bs...)
		}
	case "Pod":
		stream = itemKubePods
		var p *podFacts
		if p, err = decodePod(item, attrs); err == nil {
			p.seen = lr.Timestamp().AsTime()
			st.inputs.pods = append(st.inputs.pods, p)
		}
	case "Node":
		stream = itemKubeNodes
		var n *nodeFacts
		if n, err = decodeNode(item, attrs); err == nil {
			st.inputs.nodes = append(st.inputs.nodes, n)
		}
	default:
		return // services, deployments…: no rule reads them yet
	}
	if err != nil {
		in := &Input{Item: stream, Reason: err.Error()}
		if st.inputs.items[stream] == nil {
			st.inputs.items[stream] = in
		}
		s := unparsableSignal(in, "")
		s.Evidence[0] = Evidence{Item: item, Text: in.Reason}
		s.key = in.Reason
		d.report(st, out, s)
		return
	}
	if x := st.inputs.items[stream]; x == nil || !x.Usable {
		st.inputs.items[stream] = &Input{Item: stream, Usable: true}
	}
}

func decodePod(item Item, attrs pcommon.Map) (*podFacts, error) {
	phase, ok := attrs.Get(kubefacts.PodPhase)
	if !ok || phase.Type() != pcommon.ValueTypeStr {
		return nil, fmt.Errorf("a Pod record has no %s attribute (a kube_objects receiver without workload facts)", kubefacts.PodPhase)
	}
	p := &podFacts{
		item: item, phase: phase.Str(),
		namespace: attrString(attrs, kubefacts.Namespace), name: attrString(attrs, kubefacts.Name),
		waiting: stringMap(attrs, kubefacts.WaitingReasons), waitingMessage: stringMap(attrs, kubefacts.WaitingMessages),
		restarts: map[string]int64{},
	}
	if v, ok := attrs.Get(kubefacts.RestartCounts); ok && v.Type() == pcommon.ValueTypeMap {
		v.Map().Range(func(k string, n pcommon.Value) bool {
			if n.Type() == pcommon.ValueTypeInt {
				p.restarts[k] = n.Int()
			}
			return true
		})
	}
	p.conditions = conditionsOf(attrs)
	p.events = eventsOf(attrs)
	p.containers = containersOf(attrs)
	p.restartPolicy = attrString(attrs, kubefacts.RestartPolicy)
	p.grace = -1
	if v, ok := attrs.Get(kubefacts.GracePeriod); ok && v.Type() == pcommon.ValueTypeInt {
		p.grace = v.Int()
	}
	p.deleted = timeAttr(attrs, kubefacts.DeletionTimestamp)
	p.finalizers = stringSlice(attrs, kubefacts.Finalizers)
	return p, nil
}

func containersOf(attrs pcommon.Map) []container {
	var out []container
	eachMap(attrs, kubefacts.Containers, func(m pcommon.Map) {
		c := container{
			Name: attrString(m, "name"), State: attrString(m, "state"),
			Reason: attrString(m, "reason"), Message: attrString(m, "message"),
			LastReason: attrString(m, "last_reason"),
			StartedAt:  timeAttr(m, "started_at"), FinishedAt: timeAttr(m, "finished_at"),
			LastFinishedAt: timeAttr(m, "last_finished_at"),
		}
		c.Init = boolAttr(m, "init")
		c.Ready = boolAttr(m, "ready")
		c.Restarts, _ = intAttr(m, "restarts")
		c.ExitCode, _ = intAttr(m, "exit_code")
		c.LastExitCode, c.HasLast = intAttr(m, "last_exit_code")
		out = append(out, c)
	})
	return out
}

// budgetsOf reads a pdb-<namespace> record's budgets.
func budgetsOf(item Item, attrs pcommon.Map) ([]*budget, error) {
	if v, ok := attrs.Get(kubefacts.Budgets); !ok || v.Type() != pcommon.ValueTypeSlice {
		return nil, fmt.Errorf("a PodDisruptionBudget record has no %s attribute (a pod_disruption_budgets receiver without budget facts)", kubefacts.Budgets)
	}
	var out []*budget
	eachMap(attrs, kubefacts.Budgets, func(m pcommon.Map) {
		b := &budget{item: item, namespace: attrString(attrs, kubefacts.Namespace), name: attrString(m, "name"),
			minAvailable: attrString(m, "min_available"), maxUnavailable: attrString(m, "max_unavailable"),
			pods: stringSlice(m, "pods")}
		b.currentHealthy, _ = intAttr(m, "current_healthy")
		b.desiredHealthy, _ = intAttr(m, "desired_healthy")
		b.expectedPods, _ = intAttr(m, "expected_pods")
		b.allowed, _ = intAttr(m, "disruptions_allowed")
		out = append(out, b)
	})
	return out, nil
}

func timeAttr(m pcommon.Map, k string) time.Time {
	v, ok := m.Get(k)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v.AsString())
	if err != nil {
		return time.Time{}
	}
	return t
}

func intAttr(m pcommon.Map, k string) (int64, bool) {
	v, ok := m.Get(k)
	if !ok || v.Type() != pcommon.ValueTypeInt {
		return 0, false
	}
	return v.Int(), true
}

func boolAttr(m pcommon.Map, k string) bool {
	v, ok := m.Get(k)
	return ok && v.Type() == pcommon.ValueTypeBool && v.Bool()
}

func decodeNode(item Item, attrs pcommon.Map) (*nodeFacts, error) {
	v, ok := attrs.Get(kubefacts.Conditions)
	if !ok || v.Type() != pcommon.ValueTypeSlice {
		return nil, fmt.Errorf("a Node record has no %s attribute (a kube_objects receiver without node facts)", kubefacts.Conditions)
	}
	n := &nodeFacts{item: item, name: attrString(attrs, kubefacts.Name), conditions: conditionsOf(attrs), events: eventsOf(attrs)}
	n.podCIDRs = stringSlice(attrs, kubefacts.NodePodCIDRs)
	n.taints = stringSlice(attrs, kubefacts.NodeTaints)
	if v, ok := attrs.Get(kubefacts.NodeUnschedulable); ok && v.Type() == pcommon.ValueTypeBool {
		n.unschedulable = v.Bool()
	}
	return n, nil
}

// stringSlice reads a string list attribute; nil when absent or not a list.
func stringSlice(attrs pcommon.Map, name string) []string {
	v, ok := attrs.Get(name)
	if !ok || v.Type() != pcommon.ValueTypeSlice {
		return nil
	}
	out := make([]string, 0, v.Slice().Len())
	for i := 0; i < v.Slice().Len(); i++ {
		out = append(out, v.Slice().At(i).AsString())
	}
	return out
}

func stringMap(attrs pcommon.Map, name string) map[string]string {
	out := map[string]string{}
	if v, ok := attrs.Get(name); ok && v.Type() == pcommon.ValueTypeMap {
		v.Map().Range(func(k string, s pcommon.Value) bool {
			out[k] = s.AsString()
			return true
		})
	}
	return out
}

// eachMap calls f for every map element of a slice attribute.
func eachMap(attrs pcommon.Map, name string, f func(m pcommon.Map)) {
	v, ok := attrs.Get(name)
	if !ok || v.Type() != pcommon.ValueTypeSlice {
		return
	}
	for i := 0; i < v.Slice().Len(); i++ {
		if e := v.Slice().At(i); e.Type() == pcommon.ValueTypeMap {
			f(e.Map())
		}
	}
}

func conditionsOf(attrs pcommon.Map) []condition {
	var out []condition
	eachMap(attrs, kubefacts.Conditions, func(m pcommon.Map) {
		out = append(out, condition{attrString(m, "type"), attrString(m, "status"), attrString(m, "reason"), attrString(m, "message")})
	})
	return out
}

func eventsOf(attrs pcommon.Map) []event {
	var out []event
	eachMap(attrs, kubefacts.Events, func(m pcommon.Map) {
		e := event{Type: attrString(m, "type"), Reason: attrString(m, "reason"), Message: attrString(m, "message")}
		if v, ok := m.Get("count"); ok && v.Type() == pcommon.ValueTypeInt {
			e.Count = v.Int()
		}
		e.LastSeen = timeAttr(m, "last_seen")
		out = append(out, e)
	})
	return out
}

// condition returns the named condition, if reported.
func findCondition(conds []condition, typ string) (condition, bool) {
	for _, c := range conds {
		if c.Type == typ {
			return c, true
		}
	}
	return condition{}, false
}
