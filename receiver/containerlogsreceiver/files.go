package containerlogsreceiver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/containerlogs"
	"github.com/periscope-otel/periscope/internal/cri"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/nodefile"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/containerlogsreceiver/internal/metadata"
)

// logFile is one file of a container's log directory, as found.
type logFile struct {
	containerlogs.LogFile
	path     string // as listed under the root path (what filelog reports)
	nodePath string // as the node knows it
	rel      string // under /var/log/pods, for the index
	snap     nodefile.Snapshot
}

// selectFiles lists in the index the files the selector picks: each
// container's current files and, in copy mode, the rotations the kubelet
// kept, newest first, within max_bytes_per_container. In copy mode each
// becomes a record naming the file for the exporter to copy; in records
// mode the current files wait for CollectBatches.
func (in *inventory) selectFiles(sl plog.ScopeLogs, index *strings.Builder, s containerlogs.Selector, now time.Time) {
	dirs, err := filepath.Glob(s.ContainerPattern(in.cfg.RootPath))
	if err != nil { // only a malformed pattern, which Parse rules out
		layout.AppendError(sl, collectorName, "list", fmt.Errorf("container logs entry %q: %w", s, err), now)
		return
	}
	var lines []string
	collected := 0
	for _, dir := range dirs {
		files := in.containerFiles(dir)
		budget := in.cfg.MaxBytesPerContainer
		used := int64(0)
		for _, f := range files {
			if !f.Current() && in.cfg.Mode == nodefile.ModeRecords {
				continue // filelog streams current files only; so do records
			}
			snap, err := in.root.Snapshot(f.nodePath)
			if err != nil {
				in.fileError(sl, f, err, now)
				lines = append(lines, "  "+f.rel+" (not collected: see "+layout.ErrorsItemKey+")")
				continue
			}
			size := snap.Size
			if f.Gzip {
				if size, err = nodefile.GzipSize(snap.Path); err != nil {
					size = snap.Size
				}
			}
			if !f.Current() && budget > 0 && used+size > budget {
				lines = append(lines, fmt.Sprintf("  %s (left out: %d bytes over max_bytes_per_container %d with %d bytes of newer files)", f.rel, size, budget, used))
				continue
			}
			used += size
			collected++
			if in.cfg.Mode == nodefile.ModeRecords {
				f.snap = snap
				in.toRead = append(in.toRead, f)
				lines = append(lines, "  "+f.rel)
				continue
			}
			key, _ := containerlogs.ItemKey(f.path) // the name matched the kubelet's
			follow := ""
			if f.Current() {
				follow = f.path
			}
			layout.AppendFile(sl, collectorName, key, snap, f.nodePath, follow, now)
			line := "  " + f.rel
			if f.Gzip {
				line += " (decompressed)"
			}
			lines = append(lines, line)
		}
	}
	fmt.Fprintf(index, "%s: %d file(s) under %s\n", s, collected, containerlogs.PodsDirectory)
	for _, l := range lines {
		index.WriteString(l + "\n")
	}
}

// containerFiles lists a container directory's log files: current files
// by restart count, then rotations newest first. Other names (the
// kubelet's temporary files) are skipped.
func (in *inventory) containerFiles(dir string) []logFile {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // a file where a container directory would be
	}
	podsDir := filepath.Join(in.cfg.RootPath, containerlogs.PodsDirectory)
	var files []logFile
	for _, e := range entries {
		lf, ok := containerlogs.ParseLogName(e.Name())
		if !ok {
			continue
		}
		p := filepath.Join(dir, e.Name())
		rel, _ := filepath.Rel(podsDir, p)
		files = append(files, logFile{LogFile: lf, path: p, rel: filepath.ToSlash(rel),
			nodePath: containerlogs.PodsDirectory + "/" + filepath.ToSlash(rel)})
	}
	slices.SortFunc(files, func(a, b logFile) int {
		if a.Current() != b.Current() {
			if a.Current() {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Stamp, a.Stamp); c != 0 {
			return c
		}
		return cmp.Compare(a.Restart, b.Restart)
	})
	return files
}

// fileError makes a listed file that cannot be copied an error item. One
// that vanished or cannot be opened was there when the run listed it: the
// run is incomplete. A FIFO or directory under a log's name is not a log.
func (in *inventory) fileError(sl plog.ScopeLogs, f logFile, err error, now time.Time) {
	key, kerr := containerlogs.ItemKey(f.path)
	if kerr != nil {
		key = "list"
	}
	lr := layout.AppendError(sl, collectorName, key, fmt.Errorf("container log %s: %w", f.nodePath, err), now)
	lr.Attributes().PutStr(layout.AttrSourcePath, f.nodePath)
	if !errors.Is(err, nodefile.ErrNotRegular) {
		layout.MarkIncomplete(lr)
	}
}

// CollectBatches, in records mode, reads each current file to its size at
// the run's start into records identical to the contrib container
// parser's (internal/cri: CRI time as the timestamp, stream as
// log.iostream, split lines joined, the pod and container as resource
// attributes), stamped with the item they belong to, a bounded batch at a
// time. A file that changed or a batch the pipeline refused is an error
// item that makes the run incomplete.
func (in *inventory) CollectBatches(ctx context.Context, deliver func(runcontrol.Snapshot) error) {
	files := in.toRead
	in.toRead = nil
	for _, f := range files {
		key, _ := containerlogs.ItemKey(f.path)
		err := in.readRecords(ctx, f, key, deliver)
		if err != nil {
			snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
			lr := layout.AppendError(sl, collectorName, key, fmt.Errorf("container log %s: %w", f.nodePath, err), in.now())
			lr.Attributes().PutStr(layout.AttrSourcePath, f.nodePath)
			layout.MarkIncomplete(lr)
			_ = deliver(snap)
		}
	}
}

func (in *inventory) readRecords(ctx context.Context, f logFile, key string, deliver func(runcontrol.Snapshot) error) error {
	content, err := f.snap.Open()
	if err != nil {
		return err
	}
	err = cri.NewReader(f.path).Read(ctx, content, func(ld plog.Logs) error {
		stampItem(ld, key)
		return deliver(runcontrol.Snapshot{Logs: ld})
	})
	if cerr := content.Close(); err == nil {
		err = cerr
	}
	return err
}

// stampItem adds the layout attributes to records of one file, so a
// periscope exporter downstream (an OTLP gateway) files them as the item.
func stampItem(ld plog.Logs, key string) {
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				attrs := lrs.At(k).Attributes()
				attrs.PutStr(layout.AttrCollector, collectorName)
				attrs.PutStr(layout.AttrItemKey, key)
			}
		}
	}
}
