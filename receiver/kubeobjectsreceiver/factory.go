// Package kubeobjectsreceiver collects Periscope's "kubeobjects" items: the
// text `kubectl describe` prints for each listed Kubernetes object, events
// included, with credentials in it redacted.
package kubeobjectsreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/kubeobjectsreceiver/internal/metadata"
)

// NewFactory returns the kube_objects receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Objects:        slices.Clone(DefaultObjects),
		Parallelism:    8,
		RequestTimeout: 30 * time.Second,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newCollector(cfg.(*Config), set.Logger) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{Scope: runcontrol.ScopeCluster}, newSource, next, runcontrol.Default), nil
}
