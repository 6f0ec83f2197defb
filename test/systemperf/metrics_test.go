package systemperf_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// pointsByMetric flattens metrics: name → resource key → value, the key
// being the resource's k8s.* attributes joined with "/".
func pointsByMetric(t *testing.T, m pmetric.Metrics) map[string]map[string]float64 {
	t.Helper()
	out := map[string]map[string]float64{}
	rms := m.ResourceMetrics()
	for i := range rms.Len() {
		attrs := rms.At(i).Resource().Attributes().AsRaw()
		var parts []string
		for _, k := range []string{"k8s.node.name", "k8s.namespace.name", "k8s.pod.name", "k8s.container.name"} {
			if v, ok := attrs[k].(string); ok {
				parts = append(parts, v)
			}
		}
		key := strings.Join(parts, "/")
		sms := rms.At(i).ScopeMetrics()
		for j := range sms.Len() {
			ms := sms.At(j).Metrics()
			for k := range ms.Len() {
				metric := ms.At(k)
				var dps pmetric.NumberDataPointSlice
				switch metric.Type() {
				case pmetric.MetricTypeGauge:
					dps = metric.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = metric.Sum().DataPoints()
				default:
					t.Fatalf("%s: unexpected type %s", metric.Name(), metric.Type())
				}
				require.Equal(t, 1, dps.Len(), metric.Name())
				dp := dps.At(0)
				v := dp.DoubleValue()
				if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
					v = float64(dp.IntValue())
				}
				if out[metric.Name()] == nil {
					out[metric.Name()] = map[string]float64{}
				}
				_, dup := out[metric.Name()][key]
				require.False(t, dup, "%s for %s twice", metric.Name(), key)
				out[metric.Name()][key] = v
			}
		}
	}
	return out
}

// The metrics carry the usage the kubelets reported, in cores and bytes,
// per node, pod and container, with the nodes' allocatable.
func TestMetricsAreTheKubeletsUsage(t *testing.T) {
	c := cluster(t)
	_, metrics := collect(t, c.AdminKubeconfig)
	got := pointsByMetric(t, metrics)

	// metrics-server computes CPU as a rate over its window: nanocore exact
	// up to float error.
	const cpuDelta = 1e-6
	for _, node := range []string{nodeA, nodeB} {
		assert.InDelta(t, nodeUsage[node].CPU, got["k8s.node.cpu.usage"][node], cpuDelta, node)
		assert.Equal(t, float64(nodeUsage[node].Memory), got["k8s.node.memory.working_set"][node], node)
	}
	assert.NotContains(t, got["k8s.node.cpu.usage"], nodeGone, "no kubelet, no usage")
	assert.Equal(t, map[string]float64{nodeA: 1.9, nodeB: 3.86, nodeGone: 1.9}, got["k8s.node.allocatable.cpu"])
	assert.Equal(t, float64(12<<30), got["k8s.node.allocatable.memory"][nodeB])

	pods := fixturePods()
	require.Len(t, got["k8s.pod.cpu.usage"], len(pods))
	containers := 0
	for _, p := range pods {
		key := p.namespace + "/" + p.name
		var cpu, mem float64
		for _, ct := range p.containers {
			ckey := key + "/" + ct.Container
			assert.InDelta(t, ct.CPU, got["container.cpu.usage"][ckey], cpuDelta, ckey)
			assert.Equal(t, float64(ct.Memory), got["container.memory.working_set"][ckey], ckey)
			cpu += ct.CPU
			mem += float64(ct.Memory)
			containers++
		}
		assert.InDelta(t, cpu, got["k8s.pod.cpu.usage"][key], cpuDelta, key)
		assert.Equal(t, mem, got["k8s.pod.memory.working_set"][key], key)
	}
	assert.Len(t, got["container.cpu.usage"], containers)
}
