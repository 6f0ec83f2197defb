// Package iptablesreceiver collects Periscope's "iptables" items: the node's
// packet filter rules as iptables-save and ip6tables-save print them, parsed
// into per-table counts, and Periscope's own `iptables -t nat -L` listing.
package iptablesreceiver

// Generated code: `make generate` (mdatagen from metadata.yaml).

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/iptablesreceiver/internal/metadata"
)

// NewFactory returns the iptables receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		RootPath: "/",
		Source:   SourceCommand,
		Commands: Commands{
			NatList: []string{"iptables", "-w", "-t", "nat", "-L", "-n"},
			Save:    []string{"iptables-save"},
			Save6:   []string{"ip6tables-save"},
		},
		Timeout: 30 * time.Second,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	newSource := func() runcontrol.Source { return newCollector(cfg.(*Config), set.Logger) }
	return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{}, newSource, next, runcontrol.Default), nil
}
