// Package diagnoserprocessor judges a Periscope run as its items pass
// through: every record goes on unchanged and, per run and node, the rules
// of one table add diagnostic signals (records with a severity and a
// stable code), Periscope's networkconfig document and a run summary.
package diagnoserprocessor

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/processor/diagnoserprocessor/internal/metadata"
)

// NewFactory returns the diagnoser processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config { return &Config{} }

// createLogs registers the processor with the run's tracker when it is
// created, before any receiver can finish, so the round waits for its
// end-of-run output.
func createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	return newDiagnoser(cfg.(*Config), set, next, runcontrol.Default), nil
}
