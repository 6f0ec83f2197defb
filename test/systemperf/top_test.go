package systemperf_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
)

// The two items are byte for byte what the kubectl built at the cluster's
// version prints for the same server at the same moment (the fixture's
// usage is steady, so "the same moment" is any moment).
func TestTablesEqualKubectlTop(t *testing.T) {
	c := cluster(t)
	ctx := context.Background()
	got, _ := collect(t, c.AdminKubeconfig)

	wantNodes, err := c.Kubectl(ctx, "top", "nodes")
	require.NoError(t, err)
	wantPods, err := c.Kubectl(ctx, "top", "pods", "-A")
	require.NoError(t, err)

	require.Equal(t, layout.KindDocument, got[keyNodes].kind, got[keyNodes].body)
	assert.Equal(t, string(wantNodes), got[keyNodes].body)
	require.Equal(t, layout.KindDocument, got[keyPods].kind, got[keyPods].body)
	assert.Equal(t, string(wantPods), got[keyPods].body)

	// The comparison covers what matters: every node, <unknown> for the
	// node without a kubelet, percentages, every pod.
	assert.Equal(t, ""+
		"NAME              CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \n"+
		"aks-nodepool1-0   251m         13%         1536Mi          30%         \n"+
		"aks-nodepool1-1   1204m        31%         3077Mi          25%         \n"+
		"aks-nodepool1-2   <unknown>    <unknown>   <unknown>       <unknown>   \n", got[keyNodes].body)
	lines := strings.Split(strings.TrimSuffix(got[keyPods].body, "\n"), "\n")
	require.Len(t, lines, 1+2+workloadPods)
	assert.Equal(t, "NAMESPACE     NAME                   CPU(cores)   MEMORY(bytes)   ", lines[0])
	assert.Equal(t, "kube-system   coredns-6f5d8          3m           17Mi            ", lines[1])
	// app-000: 1.25m + 0.25m = 1.5m → 2m; 10 MiB 300 KiB + 5 MiB 300 KiB → 15Mi.
	assert.Equal(t, "workload      app-000                2m           15Mi            ", lines[3])
}
