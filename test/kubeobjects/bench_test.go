package kubeobjects_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/periscope-otel/periscope/receiver/kubeobjectsreceiver"
	"github.com/periscope-otel/periscope/test/kubeapi"
)

const (
	nsBench   = "bench"
	benchPods = 1000
)

var benchOnce sync.Once

// benchCluster adds 1,000 Pending pods to one namespace, each with an
// event, as a busy kube-system might hold.
func benchCluster(b *testing.B) *kubeapi.Cluster {
	c := cluster(b)
	var err error
	benchOnce.Do(func() { err = createBenchPods(context.Background(), c) })
	require.NoError(b, err)
	return c
}

func createBenchPods(ctx context.Context, c *kubeapi.Cluster) error {
	if err := c.CreateNamespace(ctx, nsBench); err != nil {
		return err
	}
	cs := c.Client()
	spec := corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example/app:1",
		Env: []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "API_TOKEN", Value: "x"}},
	}}}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range benchPods {
		g.Go(func() error {
			name := fmt.Sprintf("app-%04d", i)
			pod, err := cs.CoreV1().Pods(nsBench).Create(ctx, &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "bench"}}, Spec: spec,
			}, metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create pod %s: %w", name, err)
			}
			ev := event(name+".pulling", corev1.ObjectReference{Kind: "Pod", Namespace: nsBench, Name: name, UID: pod.UID, APIVersion: "v1"},
				corev1.EventTypeNormal, "Pulling", "Pulling image registry.example/app:1", 1)
			if _, err := cs.CoreV1().Events(nsBench).Create(ctx, &ev, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create event for %s: %w", name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// BenchmarkDescribe1000Pods compares the receiver (one list of the pods,
// one of the namespace's events, describes in parallel) with
// `kubectl describe pods -n bench` (one list, then a get and, with events,
// an event search per pod, one after the other) on the same server.
// Compare the ns/op of the sub-benchmarks; allocations are the receiver's
// own (kubectl is a separate process).
//
//	go test -run '^$' -bench Describe1000Pods -benchtime 3x ./test/kubeobjects/
func BenchmarkDescribe1000Pods(b *testing.B) {
	c := benchCluster(b)
	for _, parallelism := range []int{1, 8, 16} {
		b.Run(fmt.Sprintf("receiver/parallelism=%d", parallelism), func(b *testing.B) {
			cfg := kubeobjectsreceiver.NewFactory().CreateDefaultConfig().(*kubeobjectsreceiver.Config)
			cfg.Objects = []string{nsBench + "/pod"}
			cfg.Kubeconfig = c.AdminKubeconfig
			cfg.Parallelism = parallelism
			b.ReportAllocs()
			for b.Loop() {
				logs := collectWith(b, cfg)
				require.Equal(b, benchPods, logs.LogRecordCount())
			}
		})
	}
	// kubectl leaves events out when describing several objects unless
	// asked; Periscope's items (one `kubectl describe pod NAME` each) have them.
	for _, showEvents := range []bool{false, true} {
		b.Run(fmt.Sprintf("kubectl/show-events=%t", showEvents), func(b *testing.B) {
			for b.Loop() {
				out, err := c.Kubectl(context.Background(), "describe", "pods", "-n", nsBench, fmt.Sprintf("--show-events=%t", showEvents))
				require.NoError(b, err)
				require.Greater(b, len(out), benchPods*500)
			}
		})
	}
}
