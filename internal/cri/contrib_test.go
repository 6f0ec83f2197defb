package cri

// The reference: the contrib filelog receiver with its container operator,
// run two ways. runFilelog runs the receiver itself on a file, as the
// collector does; runOperator runs the operator in-process on tokens split
// as filelog splits them, which is fast enough for fuzzing and benchmarks
// and is checked against runFilelog on every fixture.

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/adapter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/helper"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/parser/container"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/split"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/trim"
	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/unicode"
)

// podDir is a kubelet pod log directory with a real-looking name: the
// operator's path pattern needs <namespace>_<pod>_<hex uid>.
const podDir = "var/log/pods/kube-system_coredns-7db6d8ff4d-abcde_0a1b2c3d-4e5f-6789-abcd-ef0123456789/coredns"

// writeLog writes data to dir/rel and returns its path.
func writeLog(t testing.TB, dir, rel string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runFilelog runs the filelog receiver with Periscope's configuration on
// the file at path until it has emitted all it will, then shuts it down.
// maxLogSize 0 keeps the defaults; otherwise it sets max_log_size of
// filelog and of the operator, and filelog's initial_buffer_size, which must
// not exceed it for filelog to cut lines as it does with the defaults.
// want is how many records the Reader made: a hint to stop waiting, never
// an expectation.
func runFilelog(path string, maxLogSize, want int) ([]plog.Logs, error) {
	sizes, containerSizes := "", ""
	if maxLogSize > 0 {
		sizes = fmt.Sprintf("max_log_size: %d\ninitial_buffer_size: %d\n", maxLogSize, maxLogSize)
		containerSizes = fmt.Sprintf("    max_log_size: %d\n", maxLogSize)
	}
	conf := fmt.Sprintf(`include: [%q]
start_at: beginning
include_file_path: true
include_file_name: false
include_file_record_offset: true
preserve_trailing_whitespaces: true
%soperators:
  - type: container
%s`, path, sizes, containerSizes)
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(conf), &raw); err != nil {
		return nil, err
	}
	factory := filelogreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
		return nil, err
	}
	sink := new(consumertest.LogsSink)
	ctx := context.Background()
	rcv, err := factory.CreateLogs(ctx, receivertest.NewNopSettings(factory.Type()), cfg, sink)
	if err != nil {
		return nil, err
	}
	if err := rcv.Start(ctx, componenttest.NewNopHost()); err != nil {
		return nil, err
	}

	// filelog emits an unterminated last line once the file has not grown
	// for force_flush_period (500ms), and the operator a message whose "F"
	// line never came 5s after its first line: wait for as many records as
	// the Reader made and a quiet second (to catch more), or, to report
	// fewer, for 20 quiet seconds after the first minute (under -race on a
	// busy 2-core machine the last flush has come 10 s late).
	began := time.Now()
	last, settled := -1, time.Now()
	for {
		time.Sleep(50 * time.Millisecond)
		n := sink.LogRecordCount()
		if n != last {
			last, settled = n, time.Now()
		}
		waited, quiet := time.Since(began), time.Since(settled)
		if (n >= want && quiet > time.Second) || (waited > time.Minute && quiet > 20*time.Second) ||
			waited > 2*time.Minute {
			break
		}
	}
	if err := rcv.Shutdown(ctx); err != nil {
		return nil, err
	}
	return sink.AllLogs(), nil
}

// runOperator feeds the container operator what filelog would give it for
// data read from path, as filelog splits, trims and decodes it, and passes
// each batch the operator emits to consume, converted by filelog's adapter.
func runOperator(tb testing.TB, path string, data []byte, maxLogSize int, consume func(plog.Logs)) {
	tb.Helper()
	if maxLogSize <= 0 {
		maxLogSize = DefaultMaxLogSize
	}
	set := componenttest.NewNopTelemetrySettings()
	cfg := container.NewConfig()
	cfg.MaxLogSize = helper.ByteSize(maxLogSize)
	op, err := cfg.Build(set)
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex // the operator's emitter flushes from its own goroutine
	out := helper.NewSynchronousLogEmitter(set, func(_ context.Context, entries []*entry.Entry) {
		logs := adapter.ConvertEntries(entries)
		mu.Lock()
		defer mu.Unlock()
		consume(logs)
	})
	op.SetOutputIDs([]string{out.ID()})
	if err := op.SetOutputs([]operator.Operator{out}); err != nil {
		tb.Fatal(err)
	}

	ctx := context.Background()
	batch := make([]*entry.Entry, 0, 100)
	flush := func() {
		if len(batch) > 0 {
			_ = op.ProcessBatch(ctx, batch) // errors are lines passed on unparsed
			batch = make([]*entry.Entry, 0, 100)
		}
	}
	decoder := unicode.UTF8.NewDecoder()
	filelogTokens(data, maxLogSize, func(tok []byte, offset int64) {
		decoded, err := decoder.Bytes(tok)
		if err != nil || len(decoded) == 0 {
			return
		}
		e := entry.New()
		e.Body = string(decoded)
		e.Attributes = map[string]any{attrFilePath: path, attrRecordOffset: offset}
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			flush()
		}
	})
	flush()
	if err := op.Stop(); err != nil {
		tb.Fatal(err)
	}
}

// filelogTokens splits data as filelog's reader does, with contrib's own
// split and trim functions (newline, max_log_size, leading whitespace), its
// positional scanner's offsets, and a buffer starting at its 16KiB (never
// above max_log_size); flushing at the end stands for force_flush_period.
func filelogTokens(data []byte, maxLogSize int, fn func(tok []byte, offset int64)) {
	newline, err := split.Config{}.Func(unicode.UTF8, true, maxLogSize)
	if err != nil {
		panic(err)
	}
	splitFunc := trim.WithFunc(trim.ToLength(newline, maxLogSize), trim.Config{PreserveTrailing: true}.Func())
	var pos, tokenStart int64
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(make([]byte, 0, min(16<<10, maxLogSize)), maxLogSize)
	s.Split(func(d []byte, atEOF bool) (int, []byte, error) {
		advance, tok, err := splitFunc(d, atEOF)
		tokenStart = pos
		pos += int64(advance)
		return advance, tok, err
	})
	for s.Scan() {
		fn(s.Bytes(), tokenStart)
	}
	if err := s.Err(); err != nil {
		panic(err)
	}
}

// operatorLogs is runOperator collecting the batches.
func operatorLogs(tb testing.TB, path string, data []byte, maxLogSize int) []plog.Logs {
	var all []plog.Logs
	runOperator(tb, path, data, maxLogSize, func(l plog.Logs) { all = append(all, l) })
	return all
}

// readerLogs is the Reader's batches for data read from path.
func readerLogs(tb testing.TB, path string, data []byte, maxLogSize, batchSize int) []plog.Logs {
	tb.Helper()
	r := NewReader(path)
	r.MaxLogSize, r.BatchSize = maxLogSize, batchSize
	var all []plog.Logs
	err := r.Read(context.Background(), bytes.NewReader(data), func(l plog.Logs) error {
		all = append(all, l)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return all
}

// record is everything of a log record and its resource and scope but the
// observed timestamp, as plain values to compare: how records are grouped
// into batches, and the order of attributes, are not part of the output.
type record struct {
	Resource        map[string]any
	ResourceSchema  string
	ResourceDropped uint32
	Scope           string
	ScopeVersion    string
	ScopeAttributes map[string]any
	ScopeSchema     string
	Timestamp       pcommon.Timestamp
	SeverityNumber  plog.SeverityNumber
	SeverityText    string
	EventName       string
	Body            any
	Attributes      map[string]any
	DroppedAttrs    uint32
	Flags           plog.LogRecordFlags
	TraceID, SpanID string
}

// records flattens batches into records in file order: by offset, then by
// content. (filelog does not keep file order across its two paths out of the
// operator, unparsed lines and parsed ones, nor does anything need it: the
// offset is in every record.)
func records(batches []plog.Logs) []record {
	var out []record
	for _, l := range batches {
		for _, rl := range l.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, record{
						Resource:        rl.Resource().Attributes().AsRaw(),
						ResourceSchema:  rl.SchemaUrl(),
						ResourceDropped: rl.Resource().DroppedAttributesCount(),
						Scope:           sl.Scope().Name(),
						ScopeVersion:    sl.Scope().Version(),
						ScopeAttributes: sl.Scope().Attributes().AsRaw(),
						ScopeSchema:     sl.SchemaUrl(),
						Timestamp:       lr.Timestamp(),
						SeverityNumber:  lr.SeverityNumber(),
						SeverityText:    lr.SeverityText(),
						EventName:       lr.EventName(),
						Body:            lr.Body().AsRaw(),
						Attributes:      lr.Attributes().AsRaw(),
						DroppedAttrs:    lr.DroppedAttributesCount(),
						Flags:           lr.Flags(),
						TraceID:         lr.TraceID().String(),
						SpanID:          lr.SpanID().String(),
					})
				}
			}
		}
	}
	offset := func(r record) int64 {
		o, _ := r.Attributes[attrRecordOffset].(int64)
		return o
	}
	slices.SortStableFunc(out, func(a, b record) int {
		if c := cmp.Compare(offset(a), offset(b)); c != 0 {
			return c
		}
		return cmp.Compare(fmt.Sprintf("%#v", a), fmt.Sprintf("%#v", b))
	})
	return out
}

// diffRecords is empty when want and got hold the same records.
func diffRecords(want, got []plog.Logs) string {
	return gocmp.Diff(records(want), records(got))
}

// unobserved counts the records without an observed timestamp.
func unobserved(batches []plog.Logs) int {
	n := 0
	for _, l := range batches {
		for _, rl := range l.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if lr.ObservedTimestamp() == 0 {
						n++
					}
				}
			}
		}
	}
	return n
}
