package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// The cluster_fixture receiver is a test fixture: a cluster-scoped source
// whose one item says which node collected it. With hang set it never
// finishes collecting (it announces that on stderr), so a test can kill
// the leader mid-run.
type fixtureConfig struct {
	Node string `mapstructure:"node"`
	Hang bool   `mapstructure:"hang"`
}

func newFixtureFactory() receiver.Factory {
	return receiver.NewFactory(component.MustNewType("cluster_fixture"),
		func() component.Config { return &fixtureConfig{} },
		receiver.WithLogs(func(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
			src := func() runcontrol.Source { return fixtureSource{cfg.(*fixtureConfig)} }
			// The one line that makes a receiver cluster-scoped.
			return runcontrol.NewLogsReceiver(set, cfg, runcontrol.Schedule{Scope: runcontrol.ScopeCluster}, src, next, runcontrol.Default), nil
		}, component.StabilityLevelDevelopment))
}

type fixtureSource struct{ cfg *fixtureConfig }

func (fixtureSource) Check() error { return nil }

func (s fixtureSource) Collect(ctx context.Context) runcontrol.Snapshot {
	if s.cfg.Hang {
		fmt.Fprintln(os.Stderr, "cluster_fixture: collecting, and hanging")
		<-ctx.Done()
	}
	snap, sl := runcontrol.NewLogsSnapshot("cluster_fixture")
	layout.AppendDocument(sl, "fixture", "collected-by", []byte(s.cfg.Node+"\n"), time.Now())
	return snap
}
