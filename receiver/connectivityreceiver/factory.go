// Package connectivityreceiver is Periscope's network outbound check: it
// probes the endpoints a node needs (internet, API server, tunnel, ACR,
// MCR, and any configured) and reports each as a log record, Periscope's
// networkoutbound items and metrics.
package connectivityreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/connectivityreceiver/internal/metadata"
)

// NewFactory returns the connectivity receiver factory.
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
		MaxConcurrency:       8,
		DefaultTargets: DefaultTargetsConfig{
			Enabled:     true,
			Timeout:     defaultTimeout,
			InternetURL: "https://www.google.com/",
		},
	}
}

// Both signals share one scheduler (same cfg), so one probe round feeds
// the logs and the metrics pipelines.
func sourceFor(set receiver.Settings, cfg component.Config) (runcontrol.Schedule, func() runcontrol.Source) {
	c := cfg.(*Config)
	return runcontrol.Schedule{Interval: c.CollectionInterval},
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
