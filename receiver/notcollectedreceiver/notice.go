package notcollectedreceiver

import (
	"context"
	"errors"
	"time"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/notcollectedreceiver/internal/metadata"
)

// notice is the run's error record saying the collector is not collected.
type notice struct {
	cfg *Config
	now func() time.Time
}

func newNotice(cfg *Config) *notice { return &notice{cfg: cfg, now: time.Now} }

// Check has nothing to check: the config was validated.
func (*notice) Check() error { return nil }

// Collect returns the one error record of the run.
func (n *notice) Collect(context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	layout.AppendError(sl, n.cfg.Collector, n.cfg.key(), errors.New("not collected: "+n.cfg.reason()), n.now())
	return snap
}
