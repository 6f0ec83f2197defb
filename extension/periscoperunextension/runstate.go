package periscoperunextension

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/atomicfile"
	"github.com/periscope-otel/periscope/internal/clusterlease"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// stateFile holds the last run ID this node completed.
const stateFile = "last-completed-run"

type runState struct {
	cfg    *Config
	logger *zap.Logger

	mu        sync.Mutex
	completed string // last completed run ID, as loaded or marked

	cluster *clusterlease.Coordinator // nil: cluster-scoped receivers collect on this node
}

var _ runcontrol.Run = (*runState)(nil)

func newRunState(cfg *Config, logger *zap.Logger) *runState {
	return &runState{cfg: cfg, logger: logger}
}

// Start loads what this node completed before; an unreadable state
// directory is a configuration error, named.
func (r *runState) Start(context.Context, component.Host) error {
	if err := r.startCluster(); err != nil {
		return err
	}
	if r.cfg.StateDirectory == "" {
		return nil
	}
	if err := os.MkdirAll(r.cfg.StateDirectory, 0o755); err != nil {
		return fmt.Errorf("state_directory %q: %w", r.cfg.StateDirectory, err)
	}
	data, err := os.ReadFile(filepath.Join(r.cfg.StateDirectory, stateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("state_directory %q: %w", r.cfg.StateDirectory, err)
	default:
		r.completed = strings.TrimSpace(string(data))
	}
	return nil
}

func (r *runState) Shutdown(context.Context) error {
	r.shutdownCluster()
	return nil
}

func (r *runState) ID() string { return r.cfg.RunID }

func (r *runState) Completed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.completed == r.cfg.RunID
}

// MarkCompleted persists runID atomically, so a crash leaves the old or the
// new state, never a torn one.
func (r *runState) MarkCompleted(runID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.completed = runID
	if r.cfg.StateDirectory == "" {
		return nil
	}
	if err := atomicfile.WriteBytes(filepath.Join(r.cfg.StateDirectory, stateFile), 0o644, []byte(runID+"\n")); err != nil {
		return fmt.Errorf("record completed run %s: %w", runID, err)
	}
	r.logger.Info("Run completed on this node", zap.String("run_id", runID))
	return nil
}
