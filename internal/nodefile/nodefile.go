// Package nodefile copies a node file as it was when a run started: its
// bytes as the node wrote them, up to the size it had then, in large
// chunks and without holding the file in memory. A Periscope snapshot
// (container and node logs) moves as bytes, not as one record per line;
// only streams (OTLP, Azure Monitor, tailing after the zip) need records.
//
// Hand-written because it is small and no library does "this file as of
// that stat": a copy bounded by the size taken at the run's start (a log
// that grows during the run is not chased), an identity check (a file
// replaced between listing and copying is named, not silently swapped), and
// a named shortfall when the file shrank under the copy. gzip rotations are
// decompressed with github.com/klauspost/compress (faster than the
// standard library's, same format).
package nodefile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Snapshot is a node file as a run found it at its start.
type Snapshot struct {
	// Path is the file to open, on the collector's filesystem (the node
	// path resolved under the root path).
	Path string
	// Size is the file's size when the run started; a copy takes exactly
	// these bytes (of the compressed file, for a gzip one).
	Size int64
	// ID identifies the file (device and inode on Linux); empty means the
	// platform has none and identity is not checked.
	ID string
	// Gzip says the file is gzip-compressed: its copy is the decompressed
	// content.
	Gzip bool
}

// ErrNotRegular is wrapped by the error of a path that is not a regular
// file.
var ErrNotRegular = errors.New("not a regular file")

// Take records what path is now. Anything but a regular file is refused
// with its type: a FIFO or a device would block or never end a copy.
func Take(path string) (Snapshot, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Snapshot{}, err
	}
	if !fi.Mode().IsRegular() {
		return Snapshot{}, fmt.Errorf("%w (%s)", ErrNotRegular, typeName(fi.Mode()))
	}
	return Snapshot{Path: path, Size: fi.Size(), ID: fileID(fi), Gzip: strings.HasSuffix(path, ".gz")}, nil
}

func typeName(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// ErrChanged is wrapped by the errors of a file that changed under the
// run: it shrank during the copy, or another file took its name between
// the run's start and the copy. What could be read is still copied.
var ErrChanged = errors.New("the file changed during the run")

// bufSize is the copy's chunk: large enough that a copy costs about what
// cp does, small enough to stay out of the memory budget.
const bufSize = 1 << 20

var buffers = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// CopyTo writes the file's bytes as of the snapshot to w and returns how
// many it wrote. Errors do not repeat the path: the caller names the file
// as the node knows it. A file that shrank or was replaced is still
// copied as far as it can be, and the error (wrapping ErrChanged) says
// what happened.
func (s Snapshot) CopyTo(w io.Writer) (int64, error) {
	c, err := s.Open()
	if err != nil {
		return 0, err
	}
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	n, err := io.CopyBuffer(w, onlyReader{c}, *bp)
	if cerr := c.Close(); err == nil || errors.Is(err, ErrChanged) {
		err = errors.Join(err, cerr)
	}
	return n, err
}

// Open opens the file's content as of the snapshot: its first Size bytes
// (decompressed, for gzip), or, when another file took its name since,
// that file as it is now. Read it to its end; Close then says, wrapping
// ErrChanged, whether it was replaced or fell short.
func (s Snapshot) Open() (*Content, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, typeName(fi.Mode()))
	}
	c := &Content{f: f, snap: s, size: s.Size}
	if s.ID != "" && fileID(fi) != s.ID {
		// Another file took the name (a rotation between listing and
		// copying): it is read as it is now, and named.
		c.replaced = fmt.Errorf("%w: replaced by another file after the run listed it (%d bytes then, %d now); the item holds the new file",
			ErrChanged, s.Size, fi.Size())
		c.size = fi.Size()
	}
	c.r = io.LimitReader(f, c.size)
	if s.Gzip {
		zr, err := gzip.NewReader(bufio.NewReaderSize(c.r, 64<<10))
		if err != nil {
			f.Close()
			return nil, errors.Join(c.replaced, fmt.Errorf("not gzip: %w", err))
		}
		c.gz = zr
	}
	return c, nil
}

// Content is a snapshot's bytes being read.
type Content struct {
	f        *os.File
	snap     Snapshot
	r        io.Reader    // the file, limited to size
	gz       *gzip.Reader // nil unless gzip
	size     int64        // bytes of the file to read
	read     int64        // bytes of the file read (before decompressing)
	out      int64        // bytes returned
	replaced error
	failed   error
}

func (c *Content) Read(p []byte) (int, error) {
	var n int
	var err error
	if c.gz != nil {
		n, err = c.gz.Read(p)
		if err != nil && err != io.EOF {
			c.failed = fmt.Errorf("decompress after %d bytes: %w", c.out+int64(n), err)
			err = c.failed
		}
	} else {
		n, err = c.r.Read(p)
		c.read += int64(n)
	}
	c.out += int64(n)
	return n, err
}

// Close closes the file and says how the content differs from the
// snapshot: replaced before or while it was read, or (uncompressed)
// shorter than its size.
func (c *Content) Close() error {
	c.f.Close()
	errs := []error{c.replaced, c.failed}
	if c.gz == nil && c.read < c.size {
		errs = append(errs, fmt.Errorf("%w: shrank from %d to %d bytes during the copy (truncated, or rotated by copytruncate); the item holds the first %d bytes",
			ErrChanged, c.size, c.read, c.read))
	}
	if c.replaced == nil && c.snap.ID != "" {
		// Renamed away and replaced while it was read: the item is the file
		// as it was, but what the node writes to the new one is not in it.
		if fi, err := os.Stat(c.snap.Path); err == nil && fileID(fi) != c.snap.ID {
			errs = append(errs, fmt.Errorf("%w: replaced by another file while the run copied it (rotated); the item holds the file as it was at the run's start, not what was written to the new one", ErrChanged))
		}
	}
	return errors.Join(errs...)
}

// onlyReader hides WriterTo/ReaderFrom so io.CopyBuffer uses the pooled
// buffer instead of allocating its own.
type onlyReader struct{ io.Reader }

// GzipSize is the decompressed size a gzip file declares in its trailer
// (modulo 4 GiB, as the format stores it): what a rotation will cost
// before it is read. It is a hint, not a promise.
func GzipSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.Size() < 18 {
		return 0, fmt.Errorf("%s is too short to be gzip (%d bytes)", path, fi.Size())
	}
	var trailer [4]byte
	if _, err := f.ReadAt(trailer[:], fi.Size()-4); err != nil {
		return 0, err
	}
	return int64(uint32(trailer[0]) | uint32(trailer[1])<<8 | uint32(trailer[2])<<16 | uint32(trailer[3])<<24), nil
}

// Mode is how a Periscope log receiver delivers the files it selects.
type Mode string

const (
	// ModeCopy (the default) sends one small record per file; the periscope
	// exporter copies the file's bytes into the item and the zip (the
	// snapshot path: Periscope layout, local or Blob).
	ModeCopy Mode = "copy"
	// ModeRecords reads each file to its size at the run's start and sends
	// one record per line, in batches (the stream path: OTLP, Azure
	// Monitor).
	ModeRecords Mode = "records"
)

// Validate names a mode that is neither.
func (m Mode) Validate() error {
	switch m {
	case "", ModeCopy, ModeRecords:
		return nil
	}
	return fmt.Errorf("mode %q: want %q (the exporter copies each file) or %q (one record per line)", m, ModeCopy, ModeRecords)
}

// MaxLine bounds one line of Lines: a longer one comes in pieces of this
// size (as filelog's default max_log_size does), so no line is held whole.
const MaxLine = 1 << 20

// Lines reads the file as of the snapshot (decompressed, for gzip) and
// calls fn with each line, without its "\n", and the line's offset in what
// is read. The slice is valid only during the call. A last line without
// "\n" is passed too. The error is fn's, or CopyTo's (wrapping ErrChanged
// when the file shrank or was replaced, after the lines that were read).
func (s Snapshot) Lines(fn func(line []byte, offset int64) error) error {
	lw := &lineWriter{fn: fn}
	_, err := s.CopyTo(lw)
	if lw.err != nil {
		return lw.err
	}
	if ferr := lw.flush(); ferr != nil {
		return ferr
	}
	return err
}

// lineWriter splits what is written into lines: lines within one write are
// passed without a copy; only a line spanning writes is carried.
type lineWriter struct {
	fn     func(line []byte, offset int64) error
	carry  []byte
	offset int64 // of the first byte not passed yet
	err    error
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.carryOn(p)
			break
		}
		if len(w.carry) > 0 {
			w.carryOn(p[:i])
			w.emit(w.carry, 1)
		} else {
			w.emit(p[:i], 1)
		}
		p = p[i+1:]
	}
	if w.err != nil {
		return 0, w.err
	}
	return n, nil
}

// carryOn keeps the start of a line for the next write, passing MaxLine
// pieces of a longer one.
func (w *lineWriter) carryOn(p []byte) {
	for w.err == nil && len(w.carry)+len(p) >= MaxLine {
		k := MaxLine - len(w.carry)
		w.carry = append(w.carry, p[:k]...)
		p = p[k:]
		w.emit(w.carry, 0)
	}
	w.carry = append(w.carry, p...)
}

// emit passes one line (sep: the newline bytes that ended it) and clears
// the carry.
func (w *lineWriter) emit(line []byte, sep int64) {
	if w.err == nil {
		w.err = w.fn(line, w.offset)
	}
	w.offset += int64(len(line)) + sep
	w.carry = w.carry[:0]
}

func (w *lineWriter) flush() error {
	if len(w.carry) > 0 {
		w.emit(w.carry, 0)
	}
	return w.err
}
