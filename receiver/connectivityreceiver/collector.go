package connectivityreceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/connectivityreceiver/internal/metadata"
)

// collector is the receiver's runcontrol.Source: one probe round per
// collection, delivered as log records and metrics.
type collector struct {
	cfg     *Config
	env     environment
	prober  *prober
	mb      *metadata.MetricsBuilder
	logger  *zap.Logger
	now     func() time.Time
	targets []*target // resolved by Check
}

func newCollector(cfg *Config, set receiver.Settings) *collector {
	return &collector{
		cfg:    cfg,
		env:    processEnvironment,
		prober: newProber(cfg.DNSResolver),
		mb:     metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		logger: set.Logger,
		now:    time.Now,
	}
}

// Check resolves the targets at start: an unreadable CA file or kubeconfig
// is a configuration error.
func (c *collector) Check() error {
	targets, err := resolveTargets(c.cfg, c.env)
	if err != nil {
		return err
	}
	c.targets = targets
	return nil
}

// Collect runs one probe round.
func (c *collector) Collect(ctx context.Context) runcontrol.Snapshot {
	now := c.now()
	results := c.prober.round(ctx, c.targets, c.cfg.MaxConcurrency)
	return c.snapshot(results, now)
}

func (c *collector) snapshot(results []result, now time.Time) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	ts := pcommon.NewTimestampFromTime(now)
	failed := 0
	for i := range results {
		r := &results[i]
		appendProbeRecord(sl, r, now, c.cfg.CollectionInterval)
		if r.target.PeriscopeItem != "" {
			appendPeriscopeItem(sl, r, now)
		}
		c.recordMetrics(ts, r)
		if !r.ok() {
			failed++
			c.logger.Debug("Connectivity probe failed", zap.String("target", r.target.Name),
				zap.String("error.type", string(r.class)), zap.String("error", r.err))
		}
	}
	appendResultsDocument(sl, results, now)
	snap.Metrics = c.mb.Emit()
	if failed > 0 {
		c.logger.Info("Connectivity round finished with failures", zap.Int("targets", len(results)), zap.Int("failed", failed))
	}
	return snap
}

func (c *collector) recordMetrics(ts pcommon.Timestamp, r *result) {
	kind := metadata.MapAttributeKind[string(r.target.kind)]
	var opts []metadata.MetricAttributeOption
	success := int64(1)
	if !r.ok() {
		success = 0
		opts = append(opts, metadata.WithErrorTypeMetricAttribute(string(r.class)))
	}
	c.mb.RecordPeriscopeConnectivitySuccessDataPoint(ts, success, r.target.Name, kind, opts...)
	if !r.probed {
		return
	}
	for p := range numPhases {
		if r.ran[p] {
			c.mb.RecordPeriscopeConnectivityDurationDataPoint(ts, r.phases[p].Seconds(), r.target.Name, kind, p.attribute(), opts...)
		}
	}
	c.mb.RecordPeriscopeConnectivityDurationDataPoint(ts, r.total.Seconds(), r.target.Name, kind, metadata.AttributePhaseTotal, opts...)
}
