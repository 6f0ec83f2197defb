package containerlogsreceiver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/containerlogs"
	"github.com/periscope-otel/periscope/internal/layout"
	"github.com/periscope-otel/periscope/internal/noderoot"
	"github.com/periscope-otel/periscope/internal/runcontrol"
	"github.com/periscope-otel/periscope/receiver/containerlogsreceiver/internal/metadata"
)

const (
	// collectorName is Periscope's name for container logs.
	collectorName = "containerlogs"
	// indexKey is the document listing what each entry selected here, so
	// "why are there no tunnelfront logs?" has an answer in the output.
	indexKey = "containerlogs-index"
)

type inventory struct {
	cfg     *Config
	root    noderoot.Root
	tracker *runcontrol.Tracker
	now     func() time.Time
}

func newInventory(cfg *Config, tracker *runcontrol.Tracker) *inventory {
	return &inventory{cfg: cfg, root: noderoot.Root(cfg.RootPath), tracker: tracker, now: time.Now}
}

func (in *inventory) Check() error { return in.root.Check() }

// Collect names every malformed entry, writes the index and registers
// every selected file with the point filelog must reach.
func (in *inventory) Collect(context.Context) runcontrol.Snapshot {
	snap, sl := runcontrol.NewLogsSnapshot(metadata.ScopeName)
	now := in.now()
	sels, errs := containerlogs.ParseList(in.cfg.Selectors)
	for _, err := range errs {
		layout.AppendError(sl, collectorName, "list", err, now)
	}
	// A node without the kubelet's log directory has nothing to select
	// from: say so once instead of indexing zero files per entry.
	if err := in.checkPodsDirectory(); err != nil {
		layout.AppendError(sl, collectorName, indexKey, err, now)
		return snap
	}
	var index strings.Builder
	for _, s := range sels {
		files, err := filepath.Glob(s.Pattern(in.cfg.RootPath))
		if err != nil { // only a malformed pattern, which Parse rules out
			layout.AppendError(sl, collectorName, "list", fmt.Errorf("container logs entry %q: %w", s, err), now)
			continue
		}
		fmt.Fprintf(&index, "%s: %d file(s) under %s\n", s, len(files), containerlogs.PodsDirectory)
		for _, f := range files {
			rel, _ := filepath.Rel(filepath.Join(in.cfg.RootPath, containerlogs.PodsDirectory), f)
			fmt.Fprintf(&index, "  %s\n", rel)
			in.expect(sl, f, now)
		}
	}
	if len(in.cfg.Selectors) == 0 {
		index.WriteString("DIAGNOSTIC_CONTAINERLOGS_LIST is empty: no container logs selected\n")
	}
	layout.AppendDocument(sl, collectorName, indexKey, []byte(index.String()), now)
	return snap
}

func (in *inventory) checkPodsDirectory() error {
	p, err := in.root.Resolve(containerlogs.PodsDirectory)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(p); err == nil && !fi.IsDir() {
			err = fmt.Errorf("%s is not a directory", p)
		}
	}
	if err != nil {
		return fmt.Errorf("container logs: the kubelet's %s cannot be read (not a Kubernetes node, or its logs are elsewhere): %w", containerlogs.PodsDirectory, err)
	}
	return nil
}

// expect registers one file, or makes it an error item when it cannot be
// read.
func (in *inventory) expect(sl plog.ScopeLogs, file string, now time.Time) {
	end, err := lastRecordStart(file)
	if err != nil {
		key, kerr := containerlogs.ItemKey(file)
		if kerr != nil {
			key = "list"
		}
		lr := layout.AppendError(sl, collectorName, key, err, now)
		lr.Attributes().PutStr(layout.AttrSourcePath, file)
		return
	}
	if end > 0 {
		in.tracker.ExpectStream(file, end)
	}
}

// tailWindow is how far back lastRecordStart looks for a record start; a
// longer last record only makes the run wait for its stall timeout.
const tailWindow = 64 << 10

// lastRecordStart returns one past the offset where the file's last
// record starts (0 for an empty file). The container parser replaces a
// line's body with its message and joins a line the runtime split (CRI
// logtag P) with its continuation under the first part's offset, so the
// exporter sees where a record starts, not its length on disk: the run is
// whole once the last record's start is reached.
func lastRecordStart(file string) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, fmt.Errorf("container log %s: %w", file, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("container log %s: %w", file, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("container log %s is not a regular file (%s)", file, fi.Mode().Type())
	}
	size := fi.Size()
	if size == 0 {
		return 0, nil
	}
	from := max(0, size-tailWindow)
	buf := make([]byte, size-from)
	if _, err := f.ReadAt(buf, from); err != nil && err != io.EOF {
		return 0, fmt.Errorf("container log %s: %w", file, err)
	}
	body := bytes.TrimSuffix(buf, []byte("\n"))
	start := bytes.LastIndexByte(body, '\n') + 1 // the last line
	if start == 0 && from > 0 {
		return from + 1, nil // its start is beyond the window
	}
	// Walk back over the partial lines the last line completes.
	for start > 0 {
		prev := bytes.LastIndexByte(body[:start-1], '\n') + 1
		if prev == 0 && from > 0 {
			break // cannot see where that line starts
		}
		if !isPartialCRILine(body[prev : start-1]) {
			break
		}
		start = prev
	}
	return from + int64(start) + 1, nil
}

// isPartialCRILine reports whether a CRI log line ("<time> <stream> <tag>
// <message>") has the P tag: the runtime split it and the next line goes on.
func isPartialCRILine(line []byte) bool {
	fields := bytes.SplitN(line, []byte(" "), 4)
	return len(fields) >= 3 && bytes.Equal(fields[2], []byte("P"))
}
