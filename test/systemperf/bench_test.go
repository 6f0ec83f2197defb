package systemperf_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkCollect is one collection (discovery, node metrics, nodes, pod
// metrics, both tables, every metric) against the real metrics API with
// the fixture's 3 nodes and 102 pods, through the receiver's factory;
// kubectl's two `top` commands on the same server are the reference
// (separate processes: their allocations are not counted).
//
//	go test -run '^$' -bench Collect -benchmem ./test/systemperf/
func BenchmarkCollect(b *testing.B) {
	c := cluster(b)
	b.Run("receiver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, _ := collect(b, c.AdminKubeconfig)
			require.Len(b, got, 2)
		}
	})
	b.Run("kubectl-top-nodes+pods", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			_, err := c.Kubectl(ctx, "top", "nodes")
			require.NoError(b, err)
			_, err = c.Kubectl(ctx, "top", "pods", "-A")
			require.NoError(b, err)
		}
	})
}
