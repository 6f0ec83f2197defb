package systemperfreceiver

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metricsapi "k8s.io/metrics/pkg/apis/metrics"

	"github.com/periscope-otel/periscope/internal/kubeclient"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/systemperfreceiver/internal/metadata"
)

// Periscope's name for this collector, and its two items.
const (
	collectorName = "systemperf"
	keyNodes      = "nodes"
	keyPods       = "pods"
)

// collector is the receiver's runcontrol.Source: one read of the metrics
// API per collection, delivered as the two tables and as metrics.
type collector struct {
	cfg    *Config
	mb     *metadata.MetricsBuilder
	logger *zap.Logger
	now    func() time.Time
	// findServer is findAPIServer; tests point it elsewhere.
	findServer func(kubeconfig string, timeout time.Duration) (kubeclient.Server, error)
}

func newCollector(cfg *Config, set receiver.Settings) *collector {
	return &collector{
		cfg:        cfg,
		mb:         metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		logger:     set.Logger,
		now:        time.Now,
		findServer: findAPIServer,
	}
}

// Check has nothing to verify at start: where the API server is, and
// whether it serves the metrics API, are collection-time questions
// reported as error records.
func (c *collector) Check() error { return nil }

// Collect reads the metrics API once.
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	now := c.now()
	server, err := c.findServer(c.cfg.Kubeconfig, c.cfg.RequestTimeout)
	var s sample
	if err == nil {
		s, err = fetch(ctx, server)
	}
	return c.snapshot(s, err, now)
}

// snapshot turns a sample (or the error that prevented it) into the two
// items and the metrics.
func (c *collector) snapshot(s sample, err error, now time.Time) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	if err != nil {
		c.appendError(sl, keyNodes, err, now)
		c.appendError(sl, keyPods, err, now)
		return snap
	}

	nodesErr := errors.Join(s.nodeMetricsErr, s.nodesErr)
	var nodes []byte
	if nodesErr == nil {
		nodes, nodesErr = nodesTable(s.nodeMetrics, s.nodes)
	}
	if nodesErr != nil {
		c.appendError(sl, keyNodes, nodesErr, now)
	} else {
		layout.AppendDocument(sl, collectorName, keyNodes, nodes, now)
	}

	podsErr := s.podMetricsErr
	var pods []byte
	if podsErr == nil {
		pods, podsErr = podsTable(s.podMetrics)
	}
	if podsErr != nil {
		c.appendError(sl, keyPods, podsErr, now)
	} else {
		layout.AppendDocument(sl, collectorName, keyPods, pods, now)
	}

	c.recordNodes(s.nodeMetrics, s.nodes, pcommon.NewTimestampFromTime(now))
	c.recordPods(s.podMetrics)
	snap.Metrics = c.mb.Emit()
	return snap
}

func (c *collector) appendError(sl plog.ScopeLogs, key string, err error, now time.Time) {
	c.logger.Warn("systemperf item not collected", zap.String("item", key), zap.Error(err))
	layout.AppendError(sl, collectorName, key, err, now)
}

// recordNodes emits one resource per node: usage where the metrics API has
// it (timestamped when measured), allocatable where the node list has it.
func (c *collector) recordNodes(metrics []metricsapi.NodeMetrics, nodes []corev1.Node, now pcommon.Timestamp) {
	usage := make(map[string]*metricsapi.NodeMetrics, len(metrics))
	allocatable := make(map[string]corev1.ResourceList, len(nodes))
	names := make([]string, 0, len(metrics)+len(nodes))
	for i := range metrics {
		usage[metrics[i].Name] = &metrics[i]
		names = append(names, metrics[i].Name)
	}
	for i := range nodes {
		allocatable[nodes[i].Name] = nodes[i].Status.Allocatable
		if usage[nodes[i].Name] == nil {
			names = append(names, nodes[i].Name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if m := usage[name]; m != nil {
			ts := pcommon.NewTimestampFromTime(m.Timestamp.Time)
			if q, ok := m.Usage[corev1.ResourceCPU]; ok {
				c.mb.RecordK8sNodeCPUUsageDataPoint(ts, cores(q))
			}
			if q, ok := m.Usage[corev1.ResourceMemory]; ok {
				c.mb.RecordK8sNodeMemoryWorkingSetDataPoint(ts, q.Value())
			}
		}
		if a, ok := allocatable[name]; ok {
			if q, ok := a[corev1.ResourceCPU]; ok {
				c.mb.RecordK8sNodeAllocatableCPUDataPoint(now, cores(q))
			}
			if q, ok := a[corev1.ResourceMemory]; ok {
				c.mb.RecordK8sNodeAllocatableMemoryDataPoint(now, q.Value())
			}
		}
		rb := c.mb.NewResourceBuilder()
		rb.SetK8sNodeName(name)
		c.mb.EmitForResource(metadata.WithResource(rb.Emit()))
	}
}

// recordPods emits one resource per pod (the sum of its containers, as
// kubectl top pods shows it) and one per container, sorted by namespace,
// pod and container.
func (c *collector) recordPods(metrics []metricsapi.PodMetrics) {
	pods := slices.Clone(metrics)
	slices.SortFunc(pods, func(a, b metricsapi.PodMetrics) int {
		if d := strings.Compare(a.Namespace, b.Namespace); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	for i := range pods {
		p := &pods[i]
		ts := pcommon.NewTimestampFromTime(p.Timestamp.Time)
		var cpu, mem resource.Quantity
		containers := slices.Clone(p.Containers)
		slices.SortFunc(containers, func(a, b metricsapi.ContainerMetrics) int { return strings.Compare(a.Name, b.Name) })
		for _, ct := range containers {
			ccpu, cmem := ct.Usage[corev1.ResourceCPU], ct.Usage[corev1.ResourceMemory]
			cpu.Add(ccpu)
			mem.Add(cmem)
			c.mb.RecordContainerCPUUsageDataPoint(ts, cores(ccpu))
			c.mb.RecordContainerMemoryWorkingSetDataPoint(ts, cmem.Value())
			rb := c.mb.NewResourceBuilder()
			rb.SetK8sNamespaceName(p.Namespace)
			rb.SetK8sPodName(p.Name)
			rb.SetK8sContainerName(ct.Name)
			c.mb.EmitForResource(metadata.WithResource(rb.Emit()))
		}
		c.mb.RecordK8sPodCPUUsageDataPoint(ts, cores(cpu))
		c.mb.RecordK8sPodMemoryWorkingSetDataPoint(ts, mem.Value())
		rb := c.mb.NewResourceBuilder()
		rb.SetK8sNamespaceName(p.Namespace)
		rb.SetK8sPodName(p.Name)
		c.mb.EmitForResource(metadata.WithResource(rb.Emit()))
	}
}

// cores is a CPU quantity in cores (the API gives nanocores, "250500000n").
func cores(q resource.Quantity) float64 { return float64(q.ScaledValue(resource.Nano)) / 1e9 }
