package main

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"

	"github.com/periscope-otel/periscope/internal/layout"
)

// The stamp processor does what the distribution's resource/periscope
// processor does: it upserts the run ID and node name on every resource.
type stampConfig struct {
	RunID string `mapstructure:"run_id"`
	Node  string `mapstructure:"node_name"`
}

func newStampFactory() processor.Factory {
	return processor.NewFactory(component.MustNewType("stamp"),
		func() component.Config { return &stampConfig{} },
		processor.WithLogs(func(_ context.Context, _ processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
			return &stamp{cfg: cfg.(*stampConfig), next: next}, nil
		}, component.StabilityLevelDevelopment))
}

type stamp struct {
	cfg  *stampConfig
	next consumer.Logs
}

func (*stamp) Start(context.Context, component.Host) error { return nil }
func (*stamp) Shutdown(context.Context) error              { return nil }
func (*stamp) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (s *stamp) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		attrs := ld.ResourceLogs().At(i).Resource().Attributes()
		attrs.PutStr(layout.AttrRunID, s.cfg.RunID)
		attrs.PutStr(layout.AttrNodeName, s.cfg.Node)
	}
	return s.next.ConsumeLogs(ctx, ld)
}
