// Package poddisruptionbudgetsreceiver collects Periscope's PodDisruptionBudget
// items (collector "pdb" in COLLECTOR_LIST, folder "poddisruptionbudget" in
// the node zip): per namespace, the text `kubectl describe pdb -n NAMESPACE`
// prints, events included.
package poddisruptionbudgetsreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/poddisruptionbudgetsreceiver/internal/metadata"
)

// NewFactory returns the pod_disruption_budgets receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{Parallelism: 4, RequestTimeout: 30 * time.Second}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newCollector(cfg.(*Config), set.Logger) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{Scope: runcontrol.ScopeCluster}, newSource, next, runcontrol.Default), nil
}
