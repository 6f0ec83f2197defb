package systemperfreceiver

import (
	"bytes"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubectl/pkg/metricsutil"
	metricsapi "k8s.io/metrics/pkg/apis/metrics"
)

// The tables are printed by kubectl's own printer (k8s.io/kubectl's
// metricsutil, the code behind `kubectl top`), fed what kubectl feeds it,
// so columns, units (m, Mi), rounding and percentages are kubectl's.

// nodesTable is `kubectl top nodes`: usage per node, percentages of the
// node's allocatable, "<unknown>" for nodes without metrics. kubectl prints
// those last in map order; here they are sorted so the item is repeatable.
func nodesTable(metrics []metricsapi.NodeMetrics, nodes []corev1.Node) ([]byte, error) {
	if len(metrics) == 0 {
		// kubectl: "error: metrics not available yet".
		return nil, fmt.Errorf("metrics not available yet: the metrics API returned no node metrics")
	}
	var out bytes.Buffer
	p := metricsutil.NewTopCmdPrinter(&out, false)
	available := make(map[string]corev1.ResourceList, len(nodes))
	for i := range nodes {
		n := &nodes[i]
		available[n.Name] = n.Status.Allocatable
		if n.Status.NodeInfo.Swap == nil || n.Status.NodeInfo.Swap.Capacity == nil {
			p.RegisterMissingResource(n.Name, metricsutil.ResourceSwap)
		}
	}
	// The printer sorts its argument in place.
	if err := p.PrintNodeMetrics(slices.Clone(metrics), available, false, ""); err != nil {
		return nil, fmt.Errorf("print node metrics: %w", err)
	}
	return sortTrailingLines(out.Bytes(), 1+len(metrics)), nil
}

// podsTable is `kubectl top pods -A`: usage per pod (the sum of its
// containers), sorted by namespace and name.
func podsTable(metrics []metricsapi.PodMetrics) ([]byte, error) {
	if len(metrics) == 0 {
		// kubectl prints nothing and "No resources found" on stderr, or an
		// error when pods are older than its 2-minute grace.
		return nil, fmt.Errorf("metrics not available yet: the metrics API returned no pod metrics")
	}
	var out bytes.Buffer
	p := metricsutil.NewTopCmdPrinter(&out, false)
	if err := p.PrintPodMetrics(slices.Clone(metrics), false, true, false, "", false); err != nil {
		return nil, fmt.Errorf("print pod metrics: %w", err)
	}
	return out.Bytes(), nil
}

// sortTrailingLines sorts the lines after the first keep lines.
func sortTrailingLines(text []byte, keep int) []byte {
	lines := bytes.SplitAfter(text, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) <= keep+1 {
		return text
	}
	slices.SortFunc(lines[keep:], bytes.Compare)
	return bytes.Join(lines, nil)
}
