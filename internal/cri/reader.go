package cri

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"golang.org/x/text/encoding/unicode"
)

const (
	// DefaultBatchSize is the number of records per batch when
	// Reader.BatchSize is 0: the batch size of filelog's emitter.
	DefaultBatchSize = 100
	// DefaultMaxLogSize is the longest token and the longest joined message
	// when Reader.MaxLogSize is 0: the default of filelog's max_log_size and
	// of the container operator's max_log_size.
	DefaultMaxLogSize = 1 << 20

	readSize = 256 << 10
)

// The record attributes filelog and the container operator set.
const (
	attrFilePath     = "log.file.path"
	attrRecordOffset = "log.file.record_offset"
	attrIOStream     = "log.iostream"
	attrLogtag       = "logtag"
	// A line that matches the operator's regular expression but whose time
	// does not parse keeps what the expression captured (see unparsed).
	attrTime   = "time"
	attrStream = "stream"
	attrLog    = "log"
)

// Reader turns the content of one kubelet container log file into log
// records, in batches. A Reader holds the buffers of one file at a time;
// it is not safe for concurrent use.
type Reader struct {
	// BatchSize is the most records one call of emit gets; 0 means
	// DefaultBatchSize.
	BatchSize int
	// MaxLogSize, 0 meaning DefaultMaxLogSize, stands for the two settings
	// of that name: filelog cuts a line at that many bytes (the rest of the
	// line is the next token), and the container operator ends a joined
	// message once it is longer.
	MaxLogSize int

	path string
	res  resource

	emit       func(plog.Logs) error
	batchSize  int
	maxLogSize int
	buf        []byte
	observed   pcommon.Timestamp
	pending    pending

	logs   plog.Logs
	groups []group
	n      int
}

// pending is a message whose last line has not been read yet: its first
// line's time, offset, tag and stream, and the messages joined so far.
type pending struct {
	active   bool
	time     time.Time
	observed pcommon.Timestamp
	offset   int64
	tag      string
	stream   string
	body     []byte
}

// group is the records of the batch under one resource.
type group struct {
	res     resource
	records plog.LogRecordSlice
}

// NewReader returns a Reader for the file at path, spelled as filelog
// reports it in log.file.path (the match of its include pattern, with the
// node's root path if any). The pod and container resource attributes come
// from path, as the container operator derives them.
func NewReader(path string) *Reader {
	return &Reader{path: path, res: resourceOf(path)}
}

// Read reads src, the content of the file from its first byte, to its end,
// and calls emit with each batch of records as it fills, then with the
// last, shorter one. emit owns the plog.Logs it is given. Records come in
// file order, a joined message at its last line. (filelog, whose batches
// hold the same records, may pass an unparsed line on ahead of the parsed
// lines before it.) At the end of src, the Reader also emits what filelog
// emits only once the file has stopped growing: an unterminated last line,
// and a message whose last line ("F") never came.
//
// Read returns the first error of emit or of ctx. When src fails, Read
// emits the records read so far and returns the error. Read may be called
// again, for another file content with the same path.
func (r *Reader) Read(ctx context.Context, src io.Reader, emit func(plog.Logs) error) error {
	r.emit = emit
	r.batchSize = r.BatchSize
	if r.batchSize <= 0 {
		r.batchSize = DefaultBatchSize
	}
	r.maxLogSize = r.MaxLogSize
	if r.maxLogSize <= 0 {
		r.maxLogSize = DefaultMaxLogSize
	}
	r.pending.active = false
	r.resetBatch()
	defer func() {
		r.emit = nil
		r.resetBatch()
	}()

	err := r.scan(ctx, src)
	var readErr *readError
	if err != nil && !errors.As(err, &readErr) {
		return err
	}
	if perr := r.flushPending(); perr != nil {
		return perr
	}
	if berr := r.flushBatch(); berr != nil {
		return berr
	}
	if readErr != nil {
		return readErr.err
	}
	return nil
}

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

// scan splits src into tokens as filelog does: at each "\n", dropping one
// "\r" before it; at MaxLogSize bytes when no "\n" comes before; and at the
// end of src.
func (r *Reader) scan(ctx context.Context, src io.Reader) error {
	limit := r.maxLogSize
	if cap(r.buf) == 0 {
		r.buf = make([]byte, readSize)
	}
	buf := r.buf[:cap(r.buf)]
	var (
		start, end int
		offset     int64
		eof        bool
		idle       int
	)
	for {
		data := buf[start:end]
		window := data
		if len(window) > limit {
			window = window[:limit]
		}
		if i := bytes.IndexByte(window, '\n'); i >= 0 {
			tok := data[:i]
			if i > 0 && tok[i-1] == '\r' {
				tok = tok[:i-1]
			}
			if err := r.token(tok, offset); err != nil {
				return err
			}
			start += i + 1
			offset += int64(i + 1)
			continue
		}
		if len(data) >= limit {
			if err := r.token(data[:limit], offset); err != nil {
				return err
			}
			start += limit
			offset += int64(limit)
			continue
		}
		if eof {
			if len(data) == 0 {
				return nil
			}
			return r.token(data, offset)
		}

		if err := ctx.Err(); err != nil {
			return err
		}
		if start > 0 {
			end = copy(buf, data)
			start = 0
		}
		if end == len(buf) {
			// A token longer than the buffer, shorter than limit.
			bigger := make([]byte, min(2*len(buf), limit))
			copy(bigger, buf[:end])
			buf, r.buf = bigger, bigger
		}
		n, err := src.Read(buf[end:])
		if n > 0 {
			end += n
			idle = 0
			r.observed = pcommon.NewTimestampFromTime(time.Now())
		}
		switch {
		case err == io.EOF:
			eof = true
		case err != nil:
			return &readError{fmt.Errorf("read %s: %w", r.path, err)}
		case n == 0:
			if idle++; idle >= 100 {
				return &readError{fmt.Errorf("read %s: %w", r.path, io.ErrNoProgress)}
			}
		}
	}
}

// token turns one token of the file into a record, or into part of one.
// The steps are filelog's (trim, decode, skip empty) and the container
// operator's (detect the format, parse, join).
func (r *Reader) token(tok []byte, offset int64) error {
	// preserve_leading_whitespaces is false.
	for len(tok) > 0 && isSpace(tok[0]) {
		tok = tok[1:]
	}
	if len(tok) == 0 {
		return nil
	}
	if !utf8.Valid(tok) {
		// The utf-8 encoding replaces each maximal invalid subsequence with
		// U+FFFD (the W3C way, not Go's one per byte).
		decoded, err := unicode.UTF8.NewDecoder().Bytes(tok)
		if err != nil {
			return nil // filelog skips a token it cannot decode
		}
		tok = decoded
	}
	if tok[0] == '{' {
		return r.docker(tok, offset)
	}
	var l Line
	crio, reason := splitFields(tok, &l)
	if reason != "" {
		return r.unparsed(tok, offset, nil)
	}
	t, err := parseTime(l.TimeText, crio)
	if err != nil {
		return r.unparsed(tok, offset, &l)
	}
	if !r.res.matched {
		// The operator fails on a path it cannot read the pod from, after
		// parsing the line: the line goes on alone, without a resource.
		return r.appendLine(t, r.observed, string(l.Message), offset, tagString(l.Tag), l.Stream)
	}
	return r.join(&l, t, offset)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// join is the operator's recombine step: lines are joined, with nothing in
// between, up to an "F" line or until the message is longer than
// MaxLogSize; the record has the first line's time, offset, tag and stream.
func (r *Reader) join(l *Line, t time.Time, offset int64) error {
	final := isFinal(l.Tag)
	p := &r.pending
	if !p.active {
		if final {
			return r.appendLine(t, r.observed, string(l.Message), offset, "F", l.Stream)
		}
		*p = pending{
			active:   true,
			time:     t,
			observed: r.observed,
			offset:   offset,
			tag:      tagString(l.Tag),
			stream:   l.Stream,
			body:     append(p.body[:0], l.Message...),
		}
	} else {
		p.body = append(p.body, l.Message...)
	}
	if final || len(p.body) > r.maxLogSize {
		return r.flushPending()
	}
	return nil
}

func (r *Reader) flushPending() error {
	p := &r.pending
	if !p.active {
		return nil
	}
	p.active = false
	return r.appendLine(p.time, p.observed, string(p.body), p.offset, p.tag, p.stream)
}

func tagString(tag []byte) string {
	if len(tag) == 1 {
		switch tag[0] {
		case 'F':
			return "F"
		case 'P':
			return "P"
		}
	}
	return string(tag)
}

// appendLine adds the record of a parsed line or joined message.
func (r *Reader) appendLine(t time.Time, observed pcommon.Timestamp, body string, offset int64, tag, stream string) error {
	lr := r.records(&r.res).AppendEmpty()
	if !t.IsZero() {
		lr.SetTimestamp(pcommon.NewTimestampFromTime(t))
	}
	lr.SetObservedTimestamp(observed)
	lr.Body().SetStr(body)
	attrs := lr.Attributes()
	attrs.EnsureCapacity(4)
	attrs.PutStr(attrFilePath, r.path)
	attrs.PutInt(attrRecordOffset, offset)
	attrs.PutStr(attrLogtag, tag)
	attrs.PutStr(attrIOStream, stream)
	return r.added()
}

// unparsed adds the record of a line the operator could not parse, which it
// passes on as filelog read it (on_error is "send"), without a resource,
// time or join. A line that matched the regular expression but whose time
// did not parse (l not nil) also keeps what the expression captured.
func (r *Reader) unparsed(tok []byte, offset int64, l *Line) error {
	lr := r.records(&resource{}).AppendEmpty()
	lr.SetObservedTimestamp(r.observed)
	lr.Body().SetStr(string(tok))
	attrs := lr.Attributes()
	if l == nil {
		attrs.EnsureCapacity(2)
	} else {
		attrs.EnsureCapacity(6)
	}
	attrs.PutStr(attrFilePath, r.path)
	attrs.PutInt(attrRecordOffset, offset)
	if l != nil {
		attrs.PutStr(attrTime, string(l.TimeText))
		attrs.PutStr(attrStream, l.Stream)
		attrs.PutStr(attrLogtag, string(l.Tag))
		attrs.PutStr(attrLog, string(l.Message))
	}
	return r.added()
}

// records is where the batch keeps the records of res, made on first use.
func (r *Reader) records(res *resource) plog.LogRecordSlice {
	for i := range r.groups {
		if r.groups[i].res == *res {
			return r.groups[i].records
		}
	}
	if len(r.groups) == 0 {
		r.logs = plog.NewLogs()
	}
	rl := r.logs.ResourceLogs().AppendEmpty()
	res.putTo(rl.Resource().Attributes())
	records := rl.ScopeLogs().AppendEmpty().LogRecords()
	if res.matched {
		records.EnsureCapacity(min(r.batchSize, 1024))
	}
	r.groups = append(r.groups, group{res: *res, records: records})
	return records
}

func (r *Reader) added() error {
	r.n++
	if r.n < r.batchSize {
		return nil
	}
	return r.flushBatch()
}

func (r *Reader) flushBatch() error {
	if r.n == 0 {
		return nil
	}
	logs := r.logs
	r.resetBatch()
	return r.emit(logs)
}

func (r *Reader) resetBatch() {
	r.logs = plog.Logs{}
	clear(r.groups)
	r.groups = r.groups[:0]
	r.n = 0
}
