// Package systemperfreceiver collects Periscope's "systemperf" items: node
// and pod CPU and memory usage from the Kubernetes metrics API, as the
// tables `kubectl top nodes` and `kubectl top pods -A` print and as
// metrics.
package systemperfreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/systemperfreceiver/internal/metadata"
)

// NewFactory returns the systemperf receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
		receiver.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		MetricsBuilderConfig: metadata.NewDefaultMetricsBuilderConfig(),
		RequestTimeout:       30 * time.Second,
	}
}

// Both signals share one scheduler (same cfg), so one read of the metrics
// API feeds the logs and the metrics pipelines.
func sourceFor(set receiver.Settings, cfg component.Config) (runcontrol.Schedule, func() runcontrol.Source) {
	c := cfg.(*Config)
	return runcontrol.Schedule{Interval: c.CollectionInterval, Scope: runcontrol.ScopeCluster},
		func() runcontrol.Source { return newCollector(c, set) }
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	schedule, newSource := sourceFor(set, cfg)
	return runcontrol.NewLogsReceiver(set, cfg, schedule, newSource, next, runcontrol.Default), nil
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	schedule, newSource := sourceFor(set, cfg)
	return runcontrol.NewMetricsReceiver(set, cfg, schedule, newSource, next, runcontrol.Default), nil
}
