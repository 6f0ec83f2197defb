package kubeapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Usage is a steady resource use: CPU in cores (a rate), memory working
// set in bytes.
type Usage struct {
	CPU    float64
	Memory int64
}

// ContainerUsage is one container's steady use, as a kubelet reports it.
type ContainerUsage struct {
	Namespace, Pod, Container string
	Usage
}

// Kubelet stands in for one node's kubelet where metrics-server scrapes it:
// GET /metrics/resource over TLS on 127.0.0.1, in the Prometheus text
// format a kubelet emits (node_cpu_usage_seconds_total,
// node_memory_working_set_bytes, container_* with namespace/pod/container
// labels, each sample timestamped). Usage is steady: the CPU counters grow
// at exactly the configured rate from the kubelet's start, so
// metrics-server computes the same CPU and memory at every scrape and
// `kubectl top` prints the same table whenever it is asked.
type Kubelet struct {
	Node string
	Port int

	srv   *httptest.Server
	start time.Time // counters are zero here (container start time too)

	mu         sync.Mutex
	node       Usage
	containers []ContainerUsage
	scrapes    int
}

// StartKubelet serves node's metrics with the node's steady usage.
func StartKubelet(node string, usage Usage) *Kubelet {
	k := &Kubelet{Node: node, node: usage, start: time.Now().Add(-time.Hour).Truncate(time.Second)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics/resource", k.serveResource)
	k.srv = httptest.NewUnstartedServer(mux) // listens on 127.0.0.1
	k.srv.StartTLS()
	k.Port = k.srv.Listener.Addr().(*net.TCPAddr).Port
	return k
}

// SetContainers replaces the containers the kubelet reports.
func (k *Kubelet) SetContainers(cs []ContainerUsage) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.containers = slices.Clone(cs)
}

// Scrapes is how many times the endpoint was read.
func (k *Kubelet) Scrapes() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.scrapes
}

// Close stops serving.
func (k *Kubelet) Close() { k.srv.Close() }

func (k *Kubelet) serveResource(w http.ResponseWriter, _ *http.Request) {
	k.mu.Lock()
	k.scrapes++
	node, containers := k.node, slices.Clone(k.containers)
	k.mu.Unlock()

	now := time.Now().UnixMilli()
	elapsed := float64(now-k.start.UnixMilli()) / 1000 // seconds since the counters started
	ts := strconv.FormatInt(now, 10)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	var b strings.Builder
	series := func(name, help, typ string, lines func()) {
		fmt.Fprintf(&b, "# HELP %s [STABLE] %s\n# TYPE %s %s\n", name, help, name, typ)
		lines()
	}
	label := func(c ContainerUsage) string {
		return fmt.Sprintf(`{container=%q,namespace=%q,pod=%q}`, c.Container, c.Namespace, c.Pod)
	}
	series("container_cpu_usage_seconds_total", "Cumulative cpu time consumed by the container in core-seconds", "counter", func() {
		for _, c := range containers {
			fmt.Fprintf(&b, "container_cpu_usage_seconds_total%s %s %s\n", label(c), f(c.CPU*elapsed), ts)
		}
	})
	series("container_memory_working_set_bytes", "Current working set of the container in bytes", "gauge", func() {
		for _, c := range containers {
			fmt.Fprintf(&b, "container_memory_working_set_bytes%s %d %s\n", label(c), c.Memory, ts)
		}
	})
	series("container_start_time_seconds", "Start time of the container since unix epoch in seconds", "gauge", func() {
		for _, c := range containers {
			fmt.Fprintf(&b, "container_start_time_seconds%s %d %s\n", label(c), k.start.Unix(), ts)
		}
	})
	series("node_cpu_usage_seconds_total", "Cumulative cpu time consumed by the node in core-seconds", "counter", func() {
		fmt.Fprintf(&b, "node_cpu_usage_seconds_total %s %s\n", f(node.CPU*elapsed), ts)
	})
	series("node_memory_working_set_bytes", "Current working set of the node in bytes", "gauge", func() {
		fmt.Fprintf(&b, "node_memory_working_set_bytes %d %s\n", node.Memory, ts)
	})
	series("resource_scrape_error", "1 if there was an error while getting container metrics, 0 otherwise", "gauge", func() {
		b.WriteString("resource_scrape_error 0\n")
	})
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}

// RegisterNode creates the Node object a real kubelet would: InternalIP
// 127.0.0.1, the kubelet's port as status.daemonEndpoints (metrics-server
// scrapes there with --kubelet-use-node-status-port), the given
// allocatable and capacity, Ready.
func (c *Cluster) RegisterNode(ctx context.Context, k *Kubelet, allocatable corev1.ResourceList) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.Node, Labels: map[string]string{"kubernetes.io/hostname": k.Node, "kubernetes.io/os": "linux"}}}
	created, err := c.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create node %s: %w", k.Node, err)
	}
	now := metav1.Now()
	created.Status = corev1.NodeStatus{
		Capacity:        allocatable,
		Allocatable:     allocatable,
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: k.Node}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(k.Port)}},
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status",
			LastHeartbeatTime: now, LastTransitionTime: now,
		}},
		NodeInfo: corev1.NodeSystemInfo{KubeletVersion: KubeVersion, OperatingSystem: "linux", Architecture: "amd64"},
	}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set status of node %s: %w", k.Node, err)
	}
	return nil
}

// CreateRunningPod creates pod bound to node (there is no scheduler) and
// sets its status to Running with every container running, as a kubelet
// would: metrics-server only serves metrics of Running pods.
func (c *Cluster) CreateRunningPod(ctx context.Context, node string, pod *corev1.Pod) (*corev1.Pod, error) {
	pod = pod.DeepCopy()
	pod.Spec.NodeName = node
	created, err := c.client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	now := metav1.Now()
	created.Status.Phase = corev1.PodRunning
	created.Status.HostIP = "127.0.0.1"
	created.Status.StartTime = &now
	created.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	for _, ct := range created.Spec.Containers {
		created.Status.ContainerStatuses = append(created.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: ct.Name, Image: ct.Image, Ready: true, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	running, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("set pod %s/%s Running: %w", pod.Namespace, pod.Name, err)
	}
	return running, nil
}

// Allocatable is a node allocatable list: cpu (e.g. "2") and memory
// (e.g. "7Gi").
func Allocatable(cpu, memory string) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(memory),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
}
