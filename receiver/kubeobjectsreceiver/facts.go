package kubeobjectsreceiver

import (
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/periscope-otel/periscope/internal/kubefacts"
)

// Machine-readable facts beside the describe text, for Pods and Nodes
// (names and meanings: internal/kubefacts). The describe text is unchanged.

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
	attrs.PutStr(kubefacts.PodPhase, string(pod.Status.Phase))
	if pod.Spec.NodeName != "" {
		attrs.PutStr(kubefacts.PodNode, pod.Spec.NodeName)
	}
	reasons := attrs.PutEmptyMap(kubefacts.WaitingReasons)
	messages := attrs.PutEmptyMap(kubefacts.WaitingMessages)
	restarts := attrs.PutEmptyMap(kubefacts.RestartCounts)
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
	conds := attrs.PutEmptySlice(kubefacts.Conditions)
	for _, c := range pod.Status.Conditions {
		putCondition(conds, string(c.Type), string(c.Status), c.Reason, c.Message)
	}
	if pod.Spec.RestartPolicy != "" {
		attrs.PutStr(kubefacts.RestartPolicy, string(pod.Spec.RestartPolicy))
	}
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		attrs.PutInt(kubefacts.GracePeriod, *g)
	}
	putDeletion(attrs, &pod.ObjectMeta)
	containers := attrs.PutEmptySlice(kubefacts.Containers)
	for _, cs := range pod.Status.InitContainerStatuses {
		putContainer(containers.AppendEmpty().SetEmptyMap(), &cs, true)
	}
	for _, cs := range pod.Status.ContainerStatuses {
		putContainer(containers.AppendEmpty().SetEmptyMap(), &cs, false)
	}
}

// putContainer writes one container's history: its state now and how it
// last ended, as kubectl describe shows them ("State", "Last State").
func putContainer(m pcommon.Map, cs *corev1.ContainerStatus, init bool) {
	m.PutStr("name", cs.Name)
	if init {
		m.PutBool("init", true)
	}
	m.PutBool("ready", cs.Ready)
	m.PutInt("restarts", int64(cs.RestartCount))
	switch st := cs.State; {
	case st.Waiting != nil:
		m.PutStr("state", "waiting")
		putNonEmpty(m, "reason", st.Waiting.Reason)
		putNonEmpty(m, "message", st.Waiting.Message)
	case st.Running != nil:
		m.PutStr("state", "running")
		putTime(m, "started_at", st.Running.StartedAt)
	case st.Terminated != nil:
		m.PutStr("state", "terminated")
		putNonEmpty(m, "reason", st.Terminated.Reason)
		putNonEmpty(m, "message", st.Terminated.Message)
		m.PutInt("exit_code", int64(st.Terminated.ExitCode))
		putTime(m, "started_at", st.Terminated.StartedAt)
		putTime(m, "finished_at", st.Terminated.FinishedAt)
	}
	if last := cs.LastTerminationState.Terminated; last != nil {
		putNonEmpty(m, "last_reason", last.Reason)
		m.PutInt("last_exit_code", int64(last.ExitCode))
		putTime(m, "last_finished_at", last.FinishedAt)
	}
}

// putDeletion writes when an object was deleted and what holds it.
func putDeletion(attrs pcommon.Map, meta *metav1.ObjectMeta) {
	if meta.DeletionTimestamp == nil {
		return
	}
	attrs.PutStr(kubefacts.DeletionTimestamp, meta.DeletionTimestamp.UTC().Format(time.RFC3339))
	if len(meta.Finalizers) > 0 {
		s := attrs.PutEmptySlice(kubefacts.Finalizers)
		for _, f := range meta.Finalizers {
			s.AppendEmpty().SetStr(f)
		}
	}
}

func putNonEmpty(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}

func putTime(m pcommon.Map, k string, t metav1.Time) {
	if !t.IsZero() {
		m.PutStr(k, t.UTC().Format(time.RFC3339))
	}
}

func putNodeFacts(attrs pcommon.Map, node *corev1.Node) {
	conds := attrs.PutEmptySlice(kubefacts.Conditions)
	for _, c := range node.Status.Conditions {
		putCondition(conds, string(c.Type), string(c.Status), c.Reason, c.Message)
	}
	cidrs := node.Spec.PodCIDRs
	if len(cidrs) == 0 && node.Spec.PodCIDR != "" {
		cidrs = []string{node.Spec.PodCIDR}
	}
	if len(cidrs) > 0 {
		s := attrs.PutEmptySlice(kubefacts.NodePodCIDRs)
		for _, c := range cidrs {
			s.AppendEmpty().SetStr(c)
		}
	}
	if len(node.Spec.Taints) > 0 {
		s := attrs.PutEmptySlice(kubefacts.NodeTaints)
		for i := range node.Spec.Taints {
			s.AppendEmpty().SetStr(node.Spec.Taints[i].ToString())
		}
	}
	if node.Spec.Unschedulable {
		attrs.PutBool(kubefacts.NodeUnschedulable, true)
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
	s := attrs.PutEmptySlice(kubefacts.Events)
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
		if t := eventTime(e); !t.IsZero() {
			m.PutStr("last_seen", t.UTC().Format(time.RFC3339))
		}
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
