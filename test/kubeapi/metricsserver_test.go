package kubeapi

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// metrics-server behind the aggregation layer scrapes the stand-in kubelet,
// and kubectl top prints its steady usage: 250.5m cores rounds up to 251m,
// 1.5 GiB of 4 GiB allocatable is 1536Mi and 37%.
func TestKubectlTopThroughMetricsServer(t *testing.T) {
	c := Shared(t)
	ctx := context.Background()
	k := StartKubelet("top-node", Usage{CPU: 0.2505, Memory: 1536 << 20})
	defer k.Close()
	require.NoError(t, c.RegisterNode(ctx, k, Allocatable("2", "4Gi")))
	require.NoError(t, c.CreateNamespace(ctx, "top"))
	_, err := c.CreateRunningPod(ctx, "top-node", &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "top"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1"}, {Name: "sidecar", Image: "side:1"}}},
	})
	require.NoError(t, err)
	k.SetContainers([]ContainerUsage{
		{Namespace: "top", Pod: "web", Container: "app", Usage: Usage{CPU: 0.0125, Memory: 20 << 20}},
		{Namespace: "top", Pod: "web", Container: "sidecar", Usage: Usage{CPU: 0.001, Memory: 5 << 20}},
	})

	require.NoError(t, c.StartMetricsServer(os.Stderr))

	// metrics-server needs two scrapes (10 s apart) for a CPU rate.
	var nodes, pods []byte
	require.Eventually(t, func() bool {
		nodes, err = c.Kubectl(ctx, "top", "nodes")
		if err != nil {
			return false
		}
		pods, err = c.Kubectl(ctx, "top", "pods", "-n", "top")
		return err == nil
	}, 90*time.Second, time.Second, "kubectl top: %v", err)
	assert.Equal(t, "NAME       CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \ntop-node   251m         12%      1536Mi          37%         \n", string(nodes))
	assert.Equal(t, "NAME   CPU(cores)   MEMORY(bytes)   \nweb    14m          25Mi            \n", string(pods))
	assert.GreaterOrEqual(t, k.Scrapes(), 2)
}
