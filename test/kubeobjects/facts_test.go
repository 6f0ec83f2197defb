package kubeobjects_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The workload facts kube_objects puts beside the describe text (for the
// diagnoser's POD_* and NODE_* rules), read from a real API server. There
// is no kubelet or scheduler, so the test writes what they would: pod
// statuses (CrashLoopBackOff, ImagePullBackOff, Unschedulable), a
// FailedScheduling event, a node's conditions.
const nsWorkloads = "workloads"

func createWorkloadFixture(ctx context.Context, t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	pod := func(name string) *corev1.Pod {
		p, err := cs.CoreV1().Pods(nsWorkloads).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
		}, metav1.CreateOptions{})
		require.NoError(t, err, "create pod %s", name)
		return p
	}
	setStatus := func(p *corev1.Pod, status corev1.PodStatus) {
		p.Status = status
		_, err := cs.CoreV1().Pods(nsWorkloads).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		require.NoError(t, err, "update status of %s", p.Name)
	}
	waiting := func(reason, message string, restarts int32) corev1.PodStatus {
		return corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "app", Image: "registry.example/app:1", RestartCount: restarts,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}},
			}},
		}
	}
	crashStatus := waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=app", 7)
	crashStatus.ContainerStatuses[0].LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		Reason: "Error", ExitCode: 1, FinishedAt: metav1.NewTime(time.Date(2026, 12, 4, 9, 58, 10, 0, time.UTC)),
	}}
	setStatus(pod("crash"), crashStatus)
	setStatus(pod("pull"), waiting("ImagePullBackOff", `Back-off pulling image "registry.example/app:1"`, 0))

	pending := pod("pending")
	setStatus(pending, corev1.PodStatus{
		Phase: corev1.PodPending,
		Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
			Message: "0/3 nodes are available: 3 Insufficient memory."}},
	})
	ref := corev1.ObjectReference{Kind: "Pod", Namespace: nsWorkloads, Name: "pending", UID: pending.UID, APIVersion: "v1"}
	_, err := cs.CoreV1().Events(nsWorkloads).Create(ctx, ptrEvent(event("pending.1", ref, corev1.EventTypeWarning, "FailedScheduling",
		"0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", 4)),
		metav1.CreateOptions{})
	require.NoError(t, err, "create the FailedScheduling event")

	node, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "aks-nodepool1-0"},
		Spec: corev1.NodeSpec{PodCIDR: "10.244.1.0/24", PodCIDRs: []string{"10.244.1.0/24"}, Unschedulable: true, Taints: []corev1.Taint{
			{Key: "node.kubernetes.io/memory-pressure", Effect: corev1.TaintEffectNoSchedule},
			{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoExecute},
		}},
	}, metav1.CreateOptions{})
	require.NoError(t, err, "create node")
	node.Status.Conditions = []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionTrue, Reason: "KubeletHasInsufficientMemory", Message: "kubelet has insufficient memory available"},
	}
	_, err = cs.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	require.NoError(t, err, "update node status")
	t.Cleanup(func() {
		_ = cs.CoreV1().Nodes().Delete(context.Background(), "aks-nodepool1-0", metav1.DeleteOptions{})
	})
}

func ptrEvent(e corev1.Event) *corev1.Event { return &e }

func TestWorkloadFactsBesideTheDescribeText(t *testing.T) {
	c := cluster(t)
	ctx := context.Background()
	require.NoError(t, c.CreateNamespace(ctx, nsWorkloads))
	createWorkloadFixture(ctx, t, c.Client())
	kubeconfig, err := c.WriteKubeconfig("facts-admin", c.Admin)
	require.NoError(t, err)

	got := collect(t, kubeconfig, nsWorkloads+"/pod", "kube-system/nodes")
	named := collect(t, kubeconfig, nsWorkloads+"/pod/pending")

	crash := got[nsWorkloads+"_pod_crash"]
	require.Equal(t, "Pod", crash.attrs["periscope.kube.kind"], "records: %v", keys(got))
	assert.Equal(t, "Running", crash.attrs["k8s.pod.phase"])
	assert.Equal(t, map[string]any{"app": "CrashLoopBackOff"}, crash.attrs["periscope.pod.container_waiting_reasons"])
	assert.Equal(t, map[string]any{"app": int64(7)}, crash.attrs["periscope.pod.restart_counts"])
	assert.Equal(t, []any{map[string]any{"name": "app", "ready": false, "restarts": int64(7), "state": "waiting",
		"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=app",
		"last_reason": "Error", "last_exit_code": int64(1), "last_finished_at": "2026-12-04T09:58:10Z"}},
		crash.attrs["periscope.pod.containers"], "the container's history: its state now and how it last ended")
	assert.Contains(t, crash.body, "CrashLoopBackOff", "the describe text is still there")

	pull := got[nsWorkloads+"_pod_pull"]
	assert.Equal(t, map[string]any{"app": "ImagePullBackOff"}, pull.attrs["periscope.pod.container_waiting_reasons"])
	assert.Equal(t, map[string]any{"app": `Back-off pulling image "registry.example/app:1"`}, pull.attrs["periscope.pod.container_waiting_messages"])

	// Listed (namespace/pod) and named (namespace/pod/pending) entries
	// carry the same facts.
	for what, pending := range map[string]record{"listed": got[nsWorkloads+"_pod_pending"], "named": named[nsWorkloads+"_pod_pending"]} {
		key := what
		assert.Equal(t, "Pending", pending.attrs["k8s.pod.phase"], key)
		assert.Equal(t, []any{map[string]any{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
			"message": "0/3 nodes are available: 3 Insufficient memory."}}, pending.attrs["periscope.kube.conditions"], key)
		events, _ := pending.attrs["periscope.kube.events"].([]any)
		require.Len(t, events, 1, key)
		ev := events[0].(map[string]any)
		seen, err := time.Parse(time.RFC3339, fmt.Sprint(ev["last_seen"]))
		assert.NoError(t, err, "an event's last time is RFC 3339: %v", ev["last_seen"])
		assert.False(t, seen.IsZero(), key)
		delete(ev, "last_seen")
		assert.Equal(t, map[string]any{"type": "Warning", "reason": "FailedScheduling", "count": int64(4),
			"message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."},
			ev, key)
		assert.Contains(t, pending.body, "FailedScheduling", key)
	}
	assert.Equal(t, []any{}, crash.attrs["periscope.kube.events"], "events of other pods are not the crash pod's")

	node := got["kube-system_nodes_aks-nodepool1-0"]
	require.Equal(t, "Node", node.attrs["periscope.kube.kind"], "records: %v", keys(got))
	assert.Equal(t, []any{"10.244.1.0/24"}, node.attrs["periscope.node.pod_cidrs"])
	// The API server's TaintNodesByCondition admission adds not-ready to a
	// new node: the facts are the node's taints as stored.
	assert.Equal(t, []any{"node.kubernetes.io/memory-pressure:NoSchedule", "dedicated=gpu:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"},
		node.attrs["periscope.node.taints"])
	assert.Equal(t, true, node.attrs["periscope.node.unschedulable"])
	assert.Equal(t, []any{
		map[string]any{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"},
		map[string]any{"type": "MemoryPressure", "status": "True", "reason": "KubeletHasInsufficientMemory", "message": "kubelet has insufficient memory available"},
	}, node.attrs["periscope.kube.conditions"])
	assert.NotContains(t, node.attrs, "k8s.node.name", "k8s.node.name names the collecting node, never the object")
}
