package systemperf_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"

	"github.com/periscope-otel/periscope/test/kubeapi"
)

// The fixture cluster, as AKS might have it: two nodes whose kubelets
// report steady usage, a third whose kubelet does not answer (kubectl
// prints <unknown> for it), the system pods, and workloadPods two-container
// pods spread over the two nodes.
const (
	nodeA, nodeB, nodeGone = "aks-nodepool1-0", "aks-nodepool1-1", "aks-nodepool1-2"
	nsWorkload             = "workload"
	workloadPods           = 100
)

// Steady usages are chosen away from rounding edges (kubectl rounds CPU up
// to a millicore and memory down to a MiB), so the tables are the same at
// every call whatever tiny error a rate computation makes.
var (
	nodeUsage = map[string]kubeapi.Usage{
		nodeA: {CPU: 0.2505, Memory: 1536<<20 + 300<<10},
		nodeB: {CPU: 1.2034, Memory: 3<<30 + 5<<20},
	}
	allocatable = map[string][2]string{
		nodeA:    {"1900m", "5Gi"},
		nodeB:    {"3860m", "12Gi"},
		nodeGone: {"1900m", "5Gi"},
	}
)

// podSpec is one fixture pod and its containers' usage.
type podSpec struct {
	namespace, name, node string
	containers            []kubeapi.ContainerUsage
}

func fixturePods() []podSpec {
	ctr := func(ns, pod, name string, cpuMilli float64, memMi int64) kubeapi.ContainerUsage {
		return kubeapi.ContainerUsage{Namespace: ns, Pod: pod, Container: name,
			Usage: kubeapi.Usage{CPU: cpuMilli / 1000, Memory: memMi<<20 + 300<<10}}
	}
	pods := []podSpec{
		{"kube-system", "coredns-6f5d8", nodeA, []kubeapi.ContainerUsage{ctr("kube-system", "coredns-6f5d8", "coredns", 2.25, 17)}},
		{"kube-system", "metrics-server-7d9c6", nodeB, []kubeapi.ContainerUsage{ctr("kube-system", "metrics-server-7d9c6", "metrics-server", 3.25, 22)}},
	}
	for i := range workloadPods {
		name := fmt.Sprintf("app-%03d", i)
		node := nodeA
		if i%2 == 1 {
			node = nodeB
		}
		pods = append(pods, podSpec{nsWorkload, name, node, []kubeapi.ContainerUsage{
			ctr(nsWorkload, name, "app", float64(i%9)+1.25, int64(10+i%13)),
			ctr(nsWorkload, name, "sidecar", 0.25, 5),
		}})
	}
	return pods
}

var (
	fixtureOnce sync.Once
	fixtureErr  error
	kubelets    []*kubeapi.Kubelet
)

// run runs the tests, then stops the kubelet stand-ins (metrics-server and
// the control plane stop with kubeapi.Main).
func run(m *testing.M) int {
	code := kubeapi.Main(m)
	for _, k := range kubelets {
		k.Close()
	}
	return code
}

// cluster returns the package's API server with the fixture and
// metrics-server serving metrics for every fixture node and pod.
func cluster(tb testing.TB) *kubeapi.Cluster {
	tb.Helper()
	c := kubeapi.Shared(tb)
	fixtureOnce.Do(func() { fixtureErr = createFixture(context.Background(), c) })
	require.NoError(tb, fixtureErr, "create fixture")
	return c
}

func createFixture(ctx context.Context, c *kubeapi.Cluster) error {
	pods := fixturePods()
	byNode := map[string][]kubeapi.ContainerUsage{}
	for _, p := range pods {
		byNode[p.node] = append(byNode[p.node], p.containers...)
	}
	for _, name := range []string{nodeA, nodeB, nodeGone} {
		k := kubeapi.StartKubelet(name, nodeUsage[name])
		kubelets = append(kubelets, k)
		k.SetContainers(byNode[name])
		if name == nodeGone {
			k.Close() // registered, but nothing answers on its port
		}
		if err := c.RegisterNode(ctx, k, kubeapi.Allocatable(allocatable[name][0], allocatable[name][1])); err != nil {
			return err
		}
	}
	for _, ns := range []string{"kube-system", nsWorkload} {
		if err := c.CreateNamespace(ctx, ns); err != nil { // and its default ServiceAccount
			return err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, p := range pods {
		g.Go(func() error {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: p.namespace, Name: p.name}}
			for _, ct := range p.containers {
				pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: ct.Container, Image: "registry.example/" + ct.Container + ":1"})
			}
			_, err := c.CreateRunningPod(gctx, p.node, pod)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := c.StartMetricsServer(os.Stderr); err != nil {
		return err
	}
	return waitForMetrics(ctx, c, len(pods))
}

// waitForMetrics waits until the metrics API has every fixture node that
// has a kubelet and every pod: metrics-server needs two scrapes, 10 s apart,
// for a CPU rate.
func waitForMetrics(ctx context.Context, c *kubeapi.Cluster, pods int) error {
	mc, err := metricsclient.NewForConfig(c.Admin)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(90 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		nodes, err := mc.MetricsV1beta1().NodeMetricses().List(ctx, metav1.ListOptions{})
		if err == nil {
			podList, perr := mc.MetricsV1beta1().PodMetricses("").List(ctx, metav1.ListOptions{})
			if perr == nil && len(nodes.Items) == 2 && len(podList.Items) == pods {
				return nil
			}
			err = perr
			if err == nil {
				err = fmt.Errorf("%d node metrics, %d pod metrics so far", len(nodes.Items), len(podList.Items))
			}
		}
		last = err
		time.Sleep(time.Second)
	}
	return errors.Join(errors.New("metrics-server did not serve the fixture's metrics within 90 s"), last)
}
