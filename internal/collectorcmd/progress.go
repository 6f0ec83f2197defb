package collectorcmd

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// isTerminal says whether w is a character device (a terminal), without cgo.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// quietLogs keeps the collector's own INFO (and DEBUG) lines out of a
// terminal one-shot run: the progress line and the closing summary say what
// they said. Warnings and errors still print. quiet is set once the flags
// are read, before the collector builds its logger's first entry.
func quietLogs(quiet *atomic.Bool, beforeLine func()) zap.Option {
	return zap.WrapCore(func(c zapcore.Core) zapcore.Core { return &quietCore{Core: c, quiet: quiet, before: beforeLine} })
}

type quietCore struct {
	zapcore.Core
	quiet  *atomic.Bool
	before func() // clears the progress line before a line that prints
}

func (q *quietCore) With(fields []zapcore.Field) zapcore.Core {
	return &quietCore{Core: q.Core.With(fields), quiet: q.quiet, before: q.before}
}

func (q *quietCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if !q.quiet.Load() {
		return q.Core.Check(e, ce)
	}
	if e.Level < zapcore.WarnLevel {
		return ce
	}
	if q.Core.Enabled(e.Level) {
		ce = ce.AddCore(e, clearer{q.before})
	}
	return q.Core.Check(e, ce)
}

// clearer writes nothing: it clears the progress line so a warning starts
// on a clean line.
type clearer struct{ f func() }

func (c clearer) Enabled(zapcore.Level) bool                                            { return true }
func (c clearer) With([]zapcore.Field) zapcore.Core                                     { return c }
func (c clearer) Sync() error                                                           { return nil }
func (c clearer) Check(_ zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry { return ce }
func (c clearer) Write(zapcore.Entry, []zapcore.Field) error {
	c.f()
	return nil
}

// progress rewrites one terminal line while a one-shot run collects:
// collections done of those expected, bytes written under the output
// directory since the run started, and what it still waits for.
type progress struct {
	mu      sync.Mutex
	out     io.Writer
	tracker *runcontrol.Tracker
	dir     string
	start   time.Time
	every   time.Duration
	last    int // width of the last line, to clear it
}

func newProgress(out io.Writer, tracker *runcontrol.Tracker) *progress {
	dir := os.Getenv("PERISCOPE_OUTPUT_DIR")
	if dir == "" {
		dir = "periscope-output"
	}
	return &progress{out: out, tracker: tracker, dir: dir, start: time.Now(), every: 200 * time.Millisecond}
}

// run draws until ctx ends, then clears the line.
func (p *progress) run(ctx context.Context) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	p.draw(p.line())
	for {
		select {
		case <-ctx.Done():
			p.clear()
			return
		case <-t.C:
			p.draw(p.line())
		}
	}
}

// line is the progress text.
func (p *progress) line() string {
	expected := p.tracker.Expected()
	pending := p.tracker.Pending()
	waiting := 0
	for _, name := range pending {
		if !strings.HasSuffix(name, "(after the collections)") {
			waiting++
		}
	}
	done := max(expected-waiting, 0)
	s := fmt.Sprintf("periscope: %d/%d collections done, %s written", done, expected, formatBytes(p.written()))
	if len(pending) > 0 {
		names := make([]string, len(pending))
		for i, n := range pending {
			names[i] = strings.TrimSuffix(n, " (after the collections)")
		}
		s += "; pending: " + strings.Join(names, ", ")
	}
	if len(s) > 150 {
		s = s[:147] + "..."
	}
	return s
}

// written adds up the files under the output directory changed since the
// run started (the run's items, zip and status.json).
func (p *progress) written() int64 {
	var n int64
	_ = filepath.WalkDir(p.dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil && !info.ModTime().Before(p.start.Add(-time.Second)) {
			n += info.Size()
		}
		return nil
	})
	return n
}

func (p *progress) draw(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pad := ""
	if p.last > len(s) {
		pad = strings.Repeat(" ", p.last-len(s))
	}
	fmt.Fprintf(p.out, "\r%s%s", s, pad)
	p.last = len(s)
}

func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last > 0 {
		fmt.Fprintf(p.out, "\r%s\r", strings.Repeat(" ", p.last))
		p.last = 0
	}
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
