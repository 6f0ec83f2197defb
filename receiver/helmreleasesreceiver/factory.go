// Package helmreleasesreceiver collects Periscope's "helm" items: the Helm 3
// releases of the cluster, read from Helm's release Secrets, as a table of
// the latest revisions and a JSON history per release, without values,
// manifests or hooks.
package helmreleasesreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/helmreleasesreceiver/internal/metadata"
)

// NewFactory returns the helm_releases receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{RequestTimeout: 30 * time.Second}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newCollector(cfg.(*Config), set.Logger) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{Scope: runcontrol.ScopeCluster}, newSource, next, runcontrol.Default), nil
}
