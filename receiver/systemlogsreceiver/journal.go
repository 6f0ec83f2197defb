package systemlogsreceiver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/noderoot"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/systemlogsreceiver/internal/metadata"
)

// journal is the run's check of the node's journal: for each unit that
// cannot be read it adds an error record to the run, saying why.
type journal struct {
	cfg    *Config
	logger *zap.Logger
	now    func() time.Time
	// run runs journalctl on the node with args and returns its output.
	run func(ctx context.Context, args ...string) (string, error)

	mu        sync.Mutex
	missing   error            // journalctl is not on the node
	startErrs map[string]error // unit → why its journald receiver did not start
}

func newJournal(cfg *Config, logger *zap.Logger) *journal {
	j := &journal{cfg: cfg, logger: logger, now: time.Now, startErrs: map[string]error{}}
	j.run = func(ctx context.Context, args ...string) (string, error) { return runJournalctl(ctx, cfg, args...) }
	return j
}

// Check refuses a root path that does not exist (a configuration error).
func (j *journal) Check() error { return noderoot.Root(j.cfg.RootPath).Check() }

// locate looks for journalctl on the node; the answer holds for the run.
func (j *journal) locate() error {
	p, err := noderoot.Root(j.cfg.RootPath).Resolve(j.cfg.JournalctlPath)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(p); err == nil && fi.IsDir() {
			err = errors.New("a directory")
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		err = errors.New("not found")
	}
	if err != nil {
		err = fmt.Errorf("not collected: the node has no journalctl (%s under root_path %s: %v), so no systemd journal to read",
			j.cfg.JournalctlPath, j.cfg.RootPath, err)
	}
	j.mu.Lock()
	j.missing = err
	j.mu.Unlock()
	return err
}

func (j *journal) setStartError(unit string, err error) {
	j.mu.Lock()
	j.startErrs[unit] = err
	j.mu.Unlock()
}

// Collect names the units the run cannot read. The entries themselves come
// from the units' journald receivers.
func (j *journal) Collect(ctx context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	fail := func(unit string, err error) {
		if ctx.Err() != nil {
			return // the run is being stopped: journalctl was killed, not refused
		}
		j.logger.Warn("System log not collected", zap.String("unit", unit), zap.Error(err))
		layout.AppendError(sl, collectorName, unit, err, j.now())
	}
	j.mu.Lock()
	missing := j.missing
	startErrs := make(map[string]error, len(j.startErrs))
	for u, err := range j.startErrs {
		startErrs[u] = err
	}
	j.mu.Unlock()
	var (
		checked    bool
		anyEntry   bool
		journalErr error
	)
	for _, unit := range j.cfg.Units {
		if err := startErrs[unit]; err != nil {
			if errors.Is(err, errNotSupported) {
				fail(unit, err)
			} else {
				fail(unit, fmt.Errorf("not collected: journalctl did not start: %w", err))
			}
			continue
		}
		if missing != nil {
			fail(unit, missing)
			continue
		}
		if !checked {
			anyEntry, journalErr = j.hasEntries(ctx)
			checked = true
		}
		if journalErr != nil {
			fail(unit, fmt.Errorf("not collected: %w", journalErr))
			continue
		}
		if !anyEntry {
			fail(unit, errors.New("not collected: the node's systemd journal holds no entries (journalctl finds none: no journal files, or journald keeps none)"))
			continue
		}
		has, err := j.hasEntries(ctx, "--unit", unit)
		switch {
		case err != nil:
			fail(unit, fmt.Errorf("not collected: %w", err))
		case !has:
			fail(unit, fmt.Errorf("not collected: the node's journal holds no entries of unit %s (the service does not run on this node?)", unit))
		}
	}
	return snap
}

// hasEntries asks journalctl for the newest entry matching args.
func (j *journal) hasEntries(ctx context.Context, args ...string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, j.cfg.CheckTimeout)
	defer cancel()
	out, err := j.run(ctx, append([]string{"--lines=1", "--quiet", "--no-pager", "--output=json"}, args...)...)
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(out) != "", nil
}
