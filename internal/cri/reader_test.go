package cri

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"go.opentelemetry.io/collector/pdata/plog"
)

type fileCase struct {
	name       string
	rel        string // where the file goes, under a temporary root
	data       []byte
	maxLogSize int // 0: the default
}

// fileCases is every fixture in testdata at a kubelet pod log path, some of
// them again at a path the operator cannot read a pod from, and generated
// files: kubelet output with the odd bad line, and long lines, around the
// default max_log_size and around a small one.
func fileCases(t *testing.T) []fileCase {
	t.Helper()
	fixtures, err := filepath.Glob(filepath.Join("testdata", "*.log"))
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var cases []fileCase
	for _, f := range fixtures {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".log")
		cases = append(cases, fileCase{name: name, rel: podDir + "/0.log", data: data})
		switch name {
		case "basic", "partial", "docker", "malformed":
			cases = append(cases, fileCase{name: name + "/not-a-pod-path", rel: "var/log/app/" + name + ".log", data: data})
		}
	}
	return append(cases,
		fileCase{name: "generated", rel: podDir + "/3.log", data: generatedLog(1, 5000, false)},
		fileCase{name: "long", rel: podDir + "/0.log", data: longLines(DefaultMaxLogSize, false)},
		fileCase{name: "long/max_log_size-64", rel: podDir + "/0.log", data: longLines(64, true), maxLogSize: 64},
	)
}

// TestReaderMatchesFilelog runs the filelog receiver with the container
// operator, the operator in-process (which the fuzz test and benchmark use)
// and the Reader on the same files, and wants the same records from all
// three but for the observed timestamp.
func TestReaderMatchesFilelog(t *testing.T) {
	cases := fileCases(t)
	type result struct {
		path     string
		reader   []plog.Logs
		filelog  []plog.Logs
		operator []plog.Logs
		err      error
	}
	results := make([]result, len(cases))
	// Receivers run at once: each waits for filelog's flush timers.
	var wg sync.WaitGroup
	for i, c := range cases {
		res := &results[i]
		res.path = writeLog(t, t.TempDir(), c.rel, c.data)
		res.reader = readerLogs(t, res.path, c.data, c.maxLogSize, 0)
		res.operator = operatorLogs(t, res.path, c.data, c.maxLogSize)
		wg.Go(func() {
			res.filelog, res.err = runFilelog(res.path, c.maxLogSize, countRecords(res.reader))
		})
	}
	wg.Wait()

	for i, c := range cases {
		res := results[i]
		t.Run(c.name, func(t *testing.T) {
			if res.err != nil {
				t.Fatal(res.err)
			}
			n := countRecords(res.filelog)
			if n == 0 && len(bytes.TrimSpace(c.data)) > 0 {
				t.Fatal("filelog made no records")
			}
			if d := diffRecords(res.filelog, res.reader); d != "" {
				t.Errorf("Reader records differ from filelog's (-filelog +Reader):\n%s", d)
			}
			if d := diffRecords(res.filelog, res.operator); d != "" {
				t.Errorf("in-process operator records differ from filelog's (-filelog +operator):\n%s", d)
			}
			if u := unobserved(res.reader); u > 0 {
				t.Errorf("%d records without an observed timestamp", u)
			}
			t.Logf("%d records", n)
		})
	}
}

func countRecords(batches []plog.Logs) int {
	n := 0
	for _, l := range batches {
		n += l.LogRecordCount()
	}
	return n
}

// TestReaderBatches wants batches of at most BatchSize records, all full
// but the last, and the same records whatever the batch size.
func TestReaderBatches(t *testing.T) {
	data := generatedLog(2, 1000, false)
	path := "/var/log/pods/" + strings.TrimPrefix(podDir, "var/log/pods/") + "/0.log"
	want := readerLogs(t, path, data, 0, 1<<20)
	if len(want) != 1 {
		t.Fatalf("%d batches, want 1", len(want))
	}
	total := want[0].LogRecordCount()
	for _, size := range []int{1, 7, DefaultBatchSize, total, total + 1} {
		got := readerLogs(t, path, data, 0, size)
		for i, l := range got {
			n := l.LogRecordCount()
			if n > size || (n < size && i < len(got)-1) || n == 0 {
				t.Errorf("batch size %d: batch %d of %d has %d records", size, i, len(got), n)
			}
		}
		if d := diffRecords(want, got); d != "" {
			t.Errorf("batch size %d: records differ (-one batch +batches):\n%s", size, d)
		}
	}
	if got := readerLogs(t, path, data, 0, 0); len(got) != (total+DefaultBatchSize-1)/DefaultBatchSize {
		t.Errorf("BatchSize 0: %d batches of %d records, want batches of %d", len(got), total, DefaultBatchSize)
	}
}

// TestReaderSources wants the same records however src hands out the
// bytes: the Reader's buffering must not show.
func TestReaderSources(t *testing.T) {
	data := append(generatedLog(3, 2000, false), longLines(64, true)...)
	path := "/var/log/pods/" + strings.TrimPrefix(podDir, "var/log/pods/") + "/0.log"
	for _, maxLogSize := range []int{0, 64, 1000} {
		want := readerLogs(t, path, data, maxLogSize, 0)
		sources := map[string]func() io.Reader{
			"one byte":     func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
			"half":         func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
			"data and EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
		}
		for name, src := range sources {
			r := NewReader(path)
			r.MaxLogSize = maxLogSize
			var got []plog.Logs
			err := r.Read(t.Context(), src(), func(l plog.Logs) error {
				got = append(got, l)
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if d := diffRecords(want, got); d != "" {
				t.Errorf("%s, max %d: records differ (-bytes.Reader +%s):\n%s", name, maxLogSize, name, d)
			}
			if c := cap(r.buf); c > max(readSize, maxLogSize) {
				t.Errorf("%s: buffer of %d bytes", name, c)
			}
		}
	}
}

// TestReaderBoundedMemory reads a stream much larger than the Reader's
// buffers and wants them no larger than a read and a message.
func TestReaderBoundedMemory(t *testing.T) {
	chunk := generatedLog(4, 1000, true)
	const repeats = 200 // 20 MB or so
	src := io.MultiReader(func() []io.Reader {
		rs := make([]io.Reader, repeats)
		for i := range rs {
			rs[i] = bytes.NewReader(chunk)
		}
		return rs
	}()...)
	r := NewReader("/var/log/pods/" + strings.TrimPrefix(podDir, "var/log/pods/") + "/0.log")
	n := 0
	err := r.Read(t.Context(), src, func(l plog.Logs) error {
		n += l.LogRecordCount()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cap(r.buf) != readSize || cap(r.pending.body) > 4096 {
		t.Errorf("buffers of %d and %d bytes after %d records", cap(r.buf), cap(r.pending.body), n)
	}
}

type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestReaderErrors(t *testing.T) {
	data := []byte("2024-05-01T10:00:00Z stdout F one\n2024-05-01T10:00:01Z stdout P two\n")
	path := "/var/log/pods/" + strings.TrimPrefix(podDir, "var/log/pods/") + "/0.log"

	t.Run("source", func(t *testing.T) {
		broken := errors.New("disk on fire")
		n := 0
		err := NewReader(path).Read(t.Context(), &failingReader{bytes.NewReader(data), broken}, func(l plog.Logs) error {
			n += l.LogRecordCount()
			return nil
		})
		if !errors.Is(err, broken) || !strings.Contains(err.Error(), path) {
			t.Errorf("error %v, want one naming %s and wrapping %v", err, path, broken)
		}
		if n != 2 {
			t.Errorf("%d records emitted before the error, want 2", n)
		}
	})
	t.Run("emit", func(t *testing.T) {
		full := errors.New("queue full")
		calls := 0
		r := NewReader(path)
		r.BatchSize = 1
		err := r.Read(t.Context(), bytes.NewReader(data), func(plog.Logs) error {
			calls++
			return full
		})
		if !errors.Is(err, full) || calls != 1 {
			t.Errorf("error %v after %d calls, want %v after 1", err, calls, full)
		}
	})
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := NewReader(path).Read(ctx, bytes.NewReader(data), func(plog.Logs) error {
			t.Error("emit called")
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want %v", err, context.Canceled)
		}
	})
	t.Run("no progress", func(t *testing.T) {
		err := NewReader(path).Read(t.Context(), idleReader{}, func(plog.Logs) error { return nil })
		if !errors.Is(err, io.ErrNoProgress) {
			t.Errorf("error %v, want %v", err, io.ErrNoProgress)
		}
	})
}

// idleReader never has anything to read, and never says so.
type idleReader struct{}

func (idleReader) Read([]byte) (int, error) { return 0, nil }
