package kubeobjectsreceiver

import (
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Machine-readable facts beside the describe text, for Pods and Nodes:
// parsing kubectl's text would break with its wording, so the diagnoser
// reads these instead. The describe text is unchanged.
const (
	attrPodPhase        = "k8s.pod.phase"
	attrWaitingReasons  = "periscope.pod.container_waiting_reasons"  // map container → reason
	attrWaitingMessages = "periscope.pod.container_waiting_messages" // map container → message
	attrRestartCounts   = "periscope.pod.restart_counts"             // map container → int
	attrPodNode         = "periscope.pod.node_name"                  // spec.nodeName (not k8s.node.name: that names the collecting node)
	attrConditions      = "periscope.kube.conditions"                // [{type, status, reason, message}]
	attrEvents          = "periscope.kube.events"                    // [{type, reason, message, count}]
	attrNodePodCIDRs    = "periscope.node.pod_cidrs"                 // spec.podCIDRs
	// The scheduler's message says "1 node(s) had untolerated taint(s)"
	// without naming the taint: these say which, and which node is cordoned.
	attrNodeTaints        = "periscope.node.taints"        // spec.taints as kubectl prints them: key[=value]:Effect
	attrNodeUnschedulable = "periscope.node.unschedulable" // spec.unschedulable (cordoned); absent when false
)

// maxFactEvents bounds the events kept per object, newest first.
const maxFactEvents = 20

func hasFacts(kind string) bool { return kind == "Pod" || kind == "Node" }

// facts is what a record of a Pod or Node carries besides its text.
type facts struct {
	uid types.UID
	put func(attrs pcommon.Map)
}

// factsOf reads an object's facts; nil for kinds without facts, or an
// object that does not decode as its kind (the text is still collected).
func factsOf(kind string, obj *unstructured.Unstructured) *facts {
	switch kind {
	case "Pod":
		var pod corev1.Pod
		if runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &pod) != nil {
			return nil
		}
		return &facts{uid: pod.UID, put: func(attrs pcommon.Map) { putPodFacts(attrs, &pod) }}
	case "Node":
		var node corev1.Node
		if runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &node) != nil {
			return nil
		}
		return &facts{uid: node.UID, put: func(attrs pcommon.Map) { putNodeFacts(attrs, &node) }}
	}
	return nil
}

func putPodFacts(attrs pcommon.Map, pod *corev1.Pod) {
	attrs.PutStr(attrPodPhase, string(pod.Status.Phase))
	if pod.Spec.NodeName != "" {
		attrs.PutStr(attrPodNode, pod.Spec.NodeName)
	}
	reasons := attrs.PutEmptyMap(attrWaitingReasons)
	messages := attrs.PutEmptyMap(attrWaitingMessages)
	restarts := attrs.PutEmptyMap(attrRestartCounts)
	for _, statuses := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, cs := range statuses {
			restarts.PutInt(cs.Name, int64(cs.RestartCount))
			if w := cs.State.Waiting; w != nil && w.Reason != "" {
				reasons.PutStr(cs.Name, w.Reason)
				if w.Message != "" {
					messages.PutStr(cs.Name, w.Message)
				}
			}
		}
	}
	conds := attrs.PutEmptySlice(attrConditions)
	for _, c := range pod.Status.Conditions {
		putCondition(conds, string(c.Type), string(c.Status), c.Reason, c.Message)
	}
}

func putNodeFacts(attrs pcommon.Map, node *corev1.Node) {
	conds := attrs.PutEmptySlice(attrConditions)
	for _, c := range node.Status.Conditions {
		putCondition(conds, string(c.Type), string(c.Status), c.Reason, c.Message)
	}
	cidrs := node.Spec.PodCIDRs
	if len(cidrs) == 0 && node.Spec.PodCIDR != "" {
		cidrs = []string{node.Spec.PodCIDR}
	}
	if len(cidrs) > 0 {
		s := attrs.PutEmptySlice(attrNodePodCIDRs)
		for _, c := range cidrs {
			s.AppendEmpty().SetStr(c)
		}
	}
	if len(node.Spec.Taints) > 0 {
		s := attrs.PutEmptySlice(attrNodeTaints)
		for i := range node.Spec.Taints {
			s.AppendEmpty().SetStr(node.Spec.Taints[i].ToString())
		}
	}
	if node.Spec.Unschedulable {
		attrs.PutBool(attrNodeUnschedulable, true)
	}
}

func putCondition(s pcommon.Slice, typ, status, reason, message string) {
	m := s.AppendEmpty().SetEmptyMap()
	m.PutStr("type", typ)
	m.PutStr("status", status)
	if reason != "" {
		m.PutStr("reason", reason)
	}
	if message != "" {
		m.PutStr("message", message)
	}
}

// putEvents writes the events about the object, newest first.
func putEvents(attrs pcommon.Map, events []corev1.Event) {
	sort.SliceStable(events, func(i, j int) bool { return eventTime(&events[i]).After(eventTime(&events[j])) })
	s := attrs.PutEmptySlice(attrEvents)
	for i := range events {
		if i == maxFactEvents {
			break
		}
		e := &events[i]
		m := s.AppendEmpty().SetEmptyMap()
		m.PutStr("type", e.Type)
		m.PutStr("reason", e.Reason)
		m.PutStr("message", e.Message)
		count := int64(e.Count)
		if e.Series != nil && int64(e.Series.Count) > count {
			count = int64(e.Series.Count)
		}
		m.PutInt("count", max(count, 1))
	}
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}
