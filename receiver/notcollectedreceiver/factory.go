// Package notcollectedreceiver names, in every run, a Periscope collector
// that this distribution accepts in its settings but does not collect, and
// why: one error record per run (periscope-errors.log, status.json, the
// Diagnostic object's count), so a mode like COLLECTOR_LIST=OSM is never
// silently empty.
package notcollectedreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/notcollectedreceiver/internal/metadata"
)

// NewFactory returns the not_collected receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config { return &Config{} }

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newNotice(cfg.(*Config)) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{}, newSource, next, runcontrol.Default), nil
}
