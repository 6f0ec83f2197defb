package runcontrol

import "time"

// A stream is a file a contrib receiver (filelog) reads while a Periscope
// receiver knows what the run must hold: the file's size at the run's
// start. A one-shot run waits until the exporter has seen lines up to that
// size, so the node log in the output is whole, not whatever was read when
// the snapshot receivers happened to finish.
//
// Progress and expectation may arrive in either order: filelog can deliver a
// small file before the Periscope receiver that sizes it has run.
type stream struct {
	expected   bool
	size, read int64
	lastMoved  time.Time
}

func (s *stream) complete() bool { return !s.expected || s.read >= s.size }

func (t *Tracker) stream(path string) *stream {
	s, ok := t.streams[path]
	if !ok {
		s = &stream{lastMoved: time.Now()}
		t.streams[path] = s
	}
	return s
}

// ExpectStream registers a file the run must read to size bytes. Call it
// from a Collect, before that collection is done.
func (t *Tracker) ExpectStream(path string, size int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stream(path)
	s.expected, s.size, s.lastMoved = true, size, time.Now()
}

// StreamProgress reports that path was read up to end (the byte after the
// last line delivered).
func (t *Tracker) StreamProgress(path string, end int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stream(path)
	if end <= s.read {
		return
	}
	s.read, s.lastMoved = end, time.Now()
	t.closeIfFinished()
}

// Stalled reports whether every collection is done and the streams still
// pending have not moved for d: a file truncated or replaced mid-run never
// reaches its first size, and a one-shot run must not wait for it forever.
func (t *Tracker) Stalled(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) > 0 {
		return false
	}
	stalled := false
	for _, s := range t.streams {
		if s.complete() {
			continue
		}
		if time.Since(s.lastMoved) < d {
			return false
		}
		stalled = true
	}
	return stalled
}
