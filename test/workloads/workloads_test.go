package workloads_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/periscope-otel/periscope/test/kubeapi"
)

const (
	namespace = "shop"
	// silentNode registers once and never sends a heartbeat again, as a
	// node whose kubelet died.
	silentNode = "aks-nodepool1-12345678-vmss000001"
	runID      = "2026-11-29T06-00-00Z"
	// collectingNode names the collector's own node (k8s.node.name).
	collectingNode = "aks-nodepool1-12345678-vmss000000"
)

// A cluster in trouble, made by its own controllers: a node whose kubelet
// went silent (the node lifecycle controller marks it Ready=Unknown and
// taints it unreachable) and a Deployment whose Pods the scheduler cannot
// place there. One run of the collector binary with kube_objects and the
// diagnoser describes the Deployment, its ReplicaSet, its Pods and the node
// exactly as kubectl v1.37 does, and reports POD_PENDING and NODE_NOT_READY
// quoting what the scheduler and the node controller said.
func TestWhatTheControllersDidIsDescribedAndDiagnosed(t *testing.T) {
	c := controlPlane(t)
	ctx := context.Background()
	cs := c.Client()
	require.NoError(t, c.CreateNamespace(ctx, namespace))

	registerSilentNode(t, cs)
	notReady := waitFor(t, "the node lifecycle controller to mark the silent node", func() (*corev1.NodeCondition, bool) {
		n, err := cs.CoreV1().Nodes().Get(ctx, silentNode, metav1.GetOptions{})
		if err != nil {
			return nil, false
		}
		ready := findNodeCondition(n.Status.Conditions, corev1.NodeReady)
		return ready, ready != nil && ready.Status == corev1.ConditionUnknown && hasTaint(n, "node.kubernetes.io/unreachable")
	})

	createDeployment(t, cs)
	pods := waitFor(t, "the scheduler to give up on both pods", func() ([]corev1.Pod, bool) {
		list, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil || len(list.Items) != 2 {
			return nil, false
		}
		for _, p := range list.Items {
			cond := findPodCondition(p.Status.Conditions, corev1.PodScheduled)
			if cond == nil || cond.Status != corev1.ConditionFalse || len(failedScheduling(t, cs, p)) == 0 {
				return nil, false
			}
		}
		return list.Items, true
	})
	rs := waitFor(t, "the Deployment's ReplicaSet", func() (string, bool) {
		list, err := cs.AppsV1().ReplicaSets(namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil || len(list.Items) != 1 {
			return "", false
		}
		return list.Items[0].Name, true
	})

	items, summary := runCollector(t, c)

	t.Run("describe equals kubectl", func(t *testing.T) {
		want := map[string][]string{
			namespace + "_deploy_web":          {"describe", "deployment", "web", "-n", namespace},
			namespace + "_rs_" + rs:            {"describe", "replicaset", rs, "-n", namespace},
			"kube-system_nodes_" + silentNode:  {"describe", "node", silentNode},
			namespace + "_pod_" + pods[0].Name: {"describe", "pod", pods[0].Name, "-n", namespace},
			namespace + "_pod_" + pods[1].Name: {"describe", "pod", pods[1].Name, "-n", namespace},
		}
		for key, args := range want {
			got, ok := items[key]
			if !assert.True(t, ok, "no item %s among %v", key, keysOf(items)) {
				continue
			}
			out, err := c.Kubectl(ctx, args...)
			require.NoError(t, err)
			assert.Equal(t, normalize(string(out)), normalize(got), key)
		}
		// The controllers' own events are in the items, not fixtures.
		assert.Contains(t, items[namespace+"_deploy_web"], "ScalingReplicaSet")
		assert.Contains(t, items[namespace+"_rs_"+rs], "SuccessfulCreate")
		assert.Contains(t, items[namespace+"_pod_"+pods[0].Name], "FailedScheduling")
		assert.Contains(t, items["kube-system_nodes_"+silentNode], "NodeNotReady")
	})

	t.Run("diagnosed in their words", func(t *testing.T) {
		assert.Contains(t, summary.Codes, "POD_PENDING")
		assert.Contains(t, summary.Codes, "NODE_NOT_READY")
		pending := summary.signal(t, "POD_PENDING")
		assert.Contains(t, pending.Summary, "2 pods Pending, not scheduled")
		for _, p := range pods {
			assert.Contains(t, pending.Summary, namespace+"/"+p.Name)
			for _, e := range failedScheduling(t, cs, p) {
				assert.Contains(t, strings.Join(pending.Evidence, "\n"), fmt.Sprintf("FailedScheduling: %q", e.Message),
					"the scheduler's message for %s, as it wrote it", p.Name)
			}
		}
		// The scheduler counts the tainted node without naming it; the
		// evidence names it, its taint and why it has it.
		var nodeEvidence string
		for _, e := range pending.Evidence {
			if strings.HasPrefix(e, "kubeobjects/kube-system_nodes_"+silentNode+": ") {
				nodeEvidence = e
			}
		}
		assert.Contains(t, nodeEvidence, "taints node.kubernetes.io/unreachable:NoSchedule", "evidence: %v", pending.Evidence)
		assert.True(t, strings.HasSuffix(nodeEvidence, "(Ready=Unknown)"), nodeEvidence)

		node := summary.signal(t, "NODE_NOT_READY")
		assert.Contains(t, node.Summary, silentNode)
		assert.Contains(t, strings.Join(node.Evidence, "\n"),
			fmt.Sprintf("Ready=Unknown %s: %q", notReady.Reason, notReady.Message), "the node controller's condition")
	})
}

// registerSilentNode creates a node with room for the Deployment, Ready
// with one heartbeat, as a kubelet registers it, and never another.
func registerSilentNode(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	_, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: silentNode, Labels: map[string]string{
			"kubernetes.io/hostname": silentNode, "kubernetes.io/os": "linux", "agentpool": "nodepool1",
		}},
		Spec: corev1.NodeSpec{PodCIDR: "10.244.1.0/24", PodCIDRs: []string{"10.244.1.0/24"}},
	}, metav1.CreateOptions{})
	require.NoError(t, err, "register node")
	capacity := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("30"),
	}
	// The node controller starts working on the node at once (taints):
	// the status goes on the latest version.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := cs.CoreV1().Nodes().Get(ctx, silentNode, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.Now()
		n.Status = corev1.NodeStatus{
			Capacity: capacity, Allocatable: capacity,
			Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
				Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now,
			}},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.224.0.5"}},
		}
		_, err = cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err
	})
	require.NoError(t, err, "node status")
}

func createDeployment(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	labels := map[string]string{"app": "web"}
	_, err := cs.AppsV1().Deployments(namespace).Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "registry.example/web:1.2.3",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi"),
					}},
				}}},
			},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err, "create deployment")
}

// failedScheduling lists the scheduler's FailedScheduling events of pod.
func failedScheduling(t *testing.T, cs kubernetes.Interface, pod corev1.Pod) []corev1.Event {
	t.Helper()
	list, err := cs.CoreV1().Events(pod.Namespace).List(context.Background(), metav1.ListOptions{
		FieldSelector: fields.Set{"involvedObject.uid": string(pod.UID), "reason": "FailedScheduling"}.String(),
	})
	if err != nil {
		return nil
	}
	return list.Items
}

// summaryDoc is the part of diagnostics.json the test reads.
type summaryDoc struct {
	Codes   []string `json:"codes"`
	Signals []struct {
		Code     string   `json:"code"`
		Summary  string   `json:"summary"`
		Evidence []string `json:"evidence"`
	} `json:"signals"`
}

type signal = struct {
	Code     string   `json:"code"`
	Summary  string   `json:"summary"`
	Evidence []string `json:"evidence"`
}

func (s summaryDoc) signal(t *testing.T, code string) signal {
	t.Helper()
	for _, sig := range s.Signals {
		if sig.Code == code {
			return sig
		}
	}
	t.Fatalf("no %s signal among %v", code, s.Codes)
	return signal{}
}

// runCollector runs the binary once with kube_objects (Deployments,
// ReplicaSets and Pods of the namespace, and nodes), the diagnoser and the
// local periscope exporter, and returns the kubeobjects items and the
// diagnoser's summary of the node run.
func runCollector(t *testing.T, c *kubeapi.Cluster) (map[string]string, summaryDoc) {
	t.Helper()
	work := t.TempDir()
	out := filepath.Join(work, "output")
	config := filepath.Join(work, "collector.yaml")
	require.NoError(t, os.WriteFile(config, []byte(fmt.Sprintf(`
receivers:
  kube_objects:
    objects: [%[1]s/deploy, %[1]s/rs, %[1]s/pod, kube-system/nodes]
    kubeconfig: %[2]s
processors:
  resource/periscope:
    attributes:
      - {key: periscope.run.id, value: %[3]s, action: upsert}
      - {key: k8s.node.name, value: %[4]s, action: upsert}
  diagnoser:
exporters:
  periscope:
    local:
      directory: %[5]s
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [kube_objects]
      processors: [resource/periscope, diagnoser]
      exporters: [periscope]
`, namespace, c.AdminKubeconfig, runID, collectingNode, out)), 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // hang guard only
	defer cancel()
	cmd := exec.CommandContext(ctx, collectorBinary(t), "--config", config, "--once")
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	output, err := cmd.CombinedOutput()
	require.NoError(t, ctx.Err(), "the collector did not exit; output:\n%s", output)
	require.NoError(t, err, "collector output:\n%s", output)

	nodeDir := filepath.Join(out, runID, collectingNode)
	entries, err := os.ReadDir(nodeDir)
	require.NoError(t, err)
	items := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(nodeDir, e.Name()))
		require.NoError(t, err)
		items[e.Name()] = string(data)
	}
	var summary summaryDoc
	require.NoError(t, json.Unmarshal([]byte(items["diagnostics.json"]), &summary), "diagnostics.json among %v", keysOf(items))
	return items, summary
}

// eventSeries is how often an event repeated ("(x3 over <age>)"): the
// scheduler retries between two describes, so it is masked too.
var eventSeries = regexp.MustCompile(`\s*\(x\d+ over <age>\)`)

func normalize(s string) string {
	return eventSeries.ReplaceAllString(kubeapi.MaskEventAges(s), "")
}

// waitFor polls cond until it holds; the limit only guards against a hang.
func waitFor[T any](t *testing.T, what string, cond func() (T, bool)) T {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if v, ok := cond(); ok {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func findNodeCondition(conds []corev1.NodeCondition, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

func findPodCondition(conds []corev1.PodCondition, typ corev1.PodConditionType) *corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

func hasTaint(n *corev1.Node, key string) bool {
	for _, taint := range n.Spec.Taints {
		if taint.Key == key {
			return true
		}
	}
	return false
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
