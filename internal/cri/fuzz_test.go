package cri

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse holds Parse to the contrib operator's regular expressions and to
// time.Parse: the same lines accepted, the same fields, the same times, and
// no byte of the line lost.
func FuzzParse(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.log"))
	for _, fixture := range fixtures {
		data, err := os.ReadFile(fixture)
		if err != nil {
			f.Fatal(err)
		}
		for line := range bytes.SplitSeq(data, []byte("\n")) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkSplitFields(t, line)
		checkParseZulu(t, line)
		if i := bytes.IndexByte(line, ' '); i > 0 {
			checkParseZulu(t, line[:i])
		}

		l, err := Parse(line)
		var perr *time.ParseError
		switch {
		case err == nil:
			if l.Stream != Stdout && l.Stream != Stderr {
				t.Fatalf("Parse(%q): stream %q", line, l.Stream)
			}
			layout, loc := containerdLayout, time.UTC
			if bytes.IndexByte(l.TimeText, 'Z') < 0 {
				layout, loc = crioLayout, time.Local
			}
			want, werr := time.ParseInLocation(layout, string(l.TimeText), loc)
			if werr != nil || (want.Year() > 0 && !want.Equal(l.Time)) {
				t.Fatalf("Parse(%q): time %v, time.Parse: %v, %v", line, l.Time, want, werr)
			}
		case errors.As(err, &perr):
			if l.TimeText == nil {
				t.Fatalf("Parse(%q): %v, and no fields", line, err)
			}
		case !errors.Is(err, ErrSyntax):
			t.Fatalf("Parse(%q): unexpected error %v", line, err)
		}
	})
}

// FuzzReader holds the Reader to the contrib container operator, run
// in-process on the same bytes as filelog would split them: the same
// records, with the default max_log_size and with a small one that the
// fuzzer can reach (cut lines, joined messages ended early).
func FuzzReader(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.log"))
	for _, fixture := range fixtures {
		data, err := os.ReadFile(fixture)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(longLines(40, true))
	f.Add(generatedLog(6, 50, false))
	path := "/var/log/pods/" + podDir[len("var/log/pods/"):] + "/0.log"
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, maxLogSize := range []int{0, 40} {
			want := operatorLogs(t, path, data, maxLogSize)
			got := readerLogs(t, path, data, maxLogSize, 0)
			if d := diffRecords(want, got); d != "" {
				t.Fatalf("max_log_size %d: records differ (-operator +Reader):\n%s", maxLogSize, d)
			}
		}
	})
}
