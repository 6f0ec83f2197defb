package nodelogsreceiver

import (
	"context"
	"fmt"
	"path"
	"time"

	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/nodefile"
	"github.com/periscope-otel/periscope/internal/noderoot"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/internal/settings"
	"github.com/periscope-otel/periscope/receiver/nodelogsreceiver/internal/metadata"
)

// collectorName is Periscope's name for node log files.
const collectorName = "nodelogs"

// inventory checks the configured node log files at the start of a run.
type inventory struct {
	cfg     *Config
	root    noderoot.Root
	tracker *runcontrol.Tracker
	now     func() time.Time
	toRead  []pendingFile // records mode: what CollectBatches reads
}

func newInventory(cfg *Config, tracker *runcontrol.Tracker) *inventory {
	return &inventory{cfg: cfg, root: noderoot.Root(cfg.RootPath), tracker: tracker, now: time.Now}
}

func (in *inventory) Check() error { return in.root.Check() }

// Collect emits an error item for every file that cannot be read; every
// other one is, in copy mode, a record the exporter copies the file from;
// in records mode CollectBatches reads it.
func (in *inventory) Collect(context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	for _, nodePath := range in.cfg.Files {
		key := layout.ItemKeyFromPath(nodePath, "")
		if !settings.IsAbsPath(nodePath) {
			err := fmt.Errorf("node log %q is not an absolute path (a stray quote or a relative path in the list): not collected", nodePath)
			layout.AppendError(sl, collectorName, key, err, in.now())
			continue
		}
		file, err := in.take(nodePath)
		if err != nil {
			lr := layout.AppendError(sl, collectorName, key, err, in.now())
			lr.Attributes().PutStr(layout.AttrSourcePath, nodePath)
			continue
		}
		if in.cfg.Mode == nodefile.ModeRecords {
			in.toRead = append(in.toRead, pendingFile{key: key, nodePath: nodePath, snap: file})
			continue
		}
		layout.AppendFile(sl, collectorName, key, file, nodePath, in.filelogPath(nodePath), in.now())
	}
	return snap
}

// pendingFile is a file records mode reads after Collect.
type pendingFile struct {
	key, nodePath string
	snap          nodefile.Snapshot
}

// CollectBatches, in records mode, reads each file Collect found to its
// size at the run's start and delivers one record per line, a bounded
// batch at a time. A file that changed or a batch the pipeline refused is
// an error item that makes the run incomplete.
func (in *inventory) CollectBatches(ctx context.Context, deliver func(runcontrol.Snapshot) error) {
	files := in.toRead
	in.toRead = nil
	for _, f := range files {
		b := layout.NewLineBatch(metadata.ScopeName, collectorName, f.key, in.filelogPath(f.nodePath))
		send := func() error {
			if b.Len() == 0 {
				return nil
			}
			return deliver(runcontrol.Snapshot{Logs: b.Take()})
		}
		err := f.snap.Lines(func(line []byte, _ int64) error {
			b.Append(line, in.now())
			if b.Full() {
				if err := send(); err != nil {
					return err
				}
			}
			return ctx.Err()
		})
		if serr := send(); err == nil {
			err = serr
		}
		if err != nil {
			snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
			lr := layout.AppendError(sl, collectorName, f.key, fmt.Errorf("node log %s: %w", f.nodePath, err), in.now())
			lr.Attributes().PutStr(layout.AttrSourcePath, f.nodePath)
			layout.MarkIncomplete(lr)
			_ = deliver(snap)
		}
	}
}

// take records the file as the node sees it (symlinks resolved in the
// root) at the run's start.
func (in *inventory) take(nodePath string) (nodefile.Snapshot, error) {
	file, err := in.root.Snapshot(nodePath)
	if err != nil {
		return file, fmt.Errorf("node log %s: %w", nodePath, err)
	}
	return file, nil
}

// filelogPath is the path filelog reports for the file: its include
// pattern joined lexically under the root (see ${periscope:nodelogs_files}).
func (in *inventory) filelogPath(nodePath string) string {
	if !path.IsAbs(nodePath) {
		return nodePath // a Windows path: no root
	}
	return path.Join(in.cfg.RootPath, nodePath)
}
