package helmpdb_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/layout"
)

// Each namespace's item is what the built kubectl v1.37 prints for
// `kubectl describe pdb -n NAMESPACE --show-events=true` on the same server
// (without the flag kubectl leaves events out when it describes more than
// one object); a namespace without budgets has no item.
func TestPDBDescribeEqualsKubectl(t *testing.T) {
	c := cluster(t)
	logs := collectPDB(t, c.AdminKubeconfig)
	compareGolden(t, logs, "golden-pdb.json")

	got := byKind(t, logs)
	assert.ElementsMatch(t, []string{"pdb-shop", "pdb-platform"}, keysOf(got))
	for _, ns := range []string{nsShop, nsPlatform} {
		t.Run(ns, func(t *testing.T) {
			body, ok := got["pdb-"+ns][layout.KindDocument]
			require.True(t, ok, "no item pdb-%s", ns)
			want, err := c.Kubectl(context.Background(), "describe", "pdb", "-n", ns, "--show-events=true")
			require.NoError(t, err)
			assert.Equal(t, normalizeAges(string(want)), normalizeAges(body))
		})
	}
	// Not trivially equal: both budgets and the event are in it.
	shop := got["pdb-shop"][layout.KindDocument]
	assert.Contains(t, shop, "Name:             db-pdb")
	assert.Contains(t, shop, "Max unavailable:  25%")
	assert.Contains(t, shop, "No matching pods found")
	for _, r := range records(t, logs) {
		assert.Equal(t, "poddisruptionbudget", r.collector)
	}
}
