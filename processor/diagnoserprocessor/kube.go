package diagnoserprocessor

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

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

// Facts the kube_objects receiver puts beside the describe text.
const (
	attrKubeKind        = "periscope.kube.kind"
	attrKubeName        = "periscope.kube.name"
	attrKubeNamespace   = "k8s.namespace.name"
	attrPodPhase        = "k8s.pod.phase"
	attrWaitingReasons  = "periscope.pod.container_waiting_reasons"
	attrWaitingMessages = "periscope.pod.container_waiting_messages"
	attrRestartCounts   = "periscope.pod.restart_counts"
	attrConditions      = "periscope.kube.conditions"
	attrEvents          = "periscope.kube.events"
	attrNodePodCIDRs    = "periscope.node.pod_cidrs"
	attrNodeTaints      = "periscope.node.taints"
	attrUnschedulable   = "periscope.node.unschedulable"
)

// condition is a pod's or node's status condition.
type condition struct{ Type, Status, Reason, Message string }

// event is an event about the object.
type event struct {
	Type, Reason, Message string
	Count                 int64
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
	item := Item{kubeObjectsCollector, attrString(attrs, layout.AttrItemKey)}
	var stream Item
	var err error
	switch attrString(attrs, attrKubeKind) {
	case "Pod":
		stream = itemKubePods
		var p *podFacts
		if p, err = decodePod(item, attrs); err == nil {
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
	phase, ok := attrs.Get(attrPodPhase)
	if !ok || phase.Type() != pcommon.ValueTypeStr {
		return nil, fmt.Errorf("a Pod record has no %s attribute (a kube_objects receiver without workload facts)", attrPodPhase)
	}
	p := &podFacts{
		item: item, phase: phase.Str(),
		namespace: attrString(attrs, attrKubeNamespace), name: attrString(attrs, attrKubeName),
		waiting: stringMap(attrs, attrWaitingReasons), waitingMessage: stringMap(attrs, attrWaitingMessages),
		restarts: map[string]int64{},
	}
	if v, ok := attrs.Get(attrRestartCounts); ok && v.Type() == pcommon.ValueTypeMap {
		v.Map().Range(func(k string, n pcommon.Value) bool {
			if n.Type() == pcommon.ValueTypeInt {
				p.restarts[k] = n.Int()
			}
			return true
		})
	}
	p.conditions = conditionsOf(attrs)
	p.events = eventsOf(attrs)
	return p, nil
}

func decodeNode(item Item, attrs pcommon.Map) (*nodeFacts, error) {
	v, ok := attrs.Get(attrConditions)
	if !ok || v.Type() != pcommon.ValueTypeSlice {
		return nil, fmt.Errorf("a Node record has no %s attribute (a kube_objects receiver without node facts)", attrConditions)
	}
	n := &nodeFacts{item: item, name: attrString(attrs, attrKubeName), conditions: conditionsOf(attrs), events: eventsOf(attrs)}
	n.podCIDRs = stringSlice(attrs, attrNodePodCIDRs)
	n.taints = stringSlice(attrs, attrNodeTaints)
	if v, ok := attrs.Get(attrUnschedulable); ok && v.Type() == pcommon.ValueTypeBool {
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
	eachMap(attrs, attrConditions, func(m pcommon.Map) {
		out = append(out, condition{attrString(m, "type"), attrString(m, "status"), attrString(m, "reason"), attrString(m, "message")})
	})
	return out
}

func eventsOf(attrs pcommon.Map) []event {
	var out []event
	eachMap(attrs, attrEvents, func(m pcommon.Map) {
		e := event{Type: attrString(m, "type"), Reason: attrString(m, "reason"), Message: attrString(m, "message")}
		if v, ok := m.Get("count"); ok && v.Type() == pcommon.ValueTypeInt {
			e.Count = v.Int()
		}
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
