package cri

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		line    string
		time    time.Time
		stream  string
		tag     string
		message string
		err     error // ErrSyntax, or errTime for a *time.ParseError
	}{
		{
			line: "2024-05-01T10:00:00.123456789Z stdout F hello world",
			time: time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC), stream: Stdout, tag: "F", message: "hello world",
		},
		{
			line: "2024-05-01T10:00:00Z stderr P part ", time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
			stream: Stderr, tag: "P", message: "part ",
		},
		{line: "2024-05-01T10:00:00.5Z stdout F", time: time.Date(2024, 5, 1, 10, 0, 0, 5e8, time.UTC), stream: Stdout, tag: "F"},
		{line: "2024-05-01T10:00:00Z stdout F ", time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), stream: Stdout, tag: "F"},
		{
			line: "2024-05-01T10:00:00Z stdout F  two spaces", time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
			stream: Stdout, tag: "F", message: " two spaces",
		},
		{
			line: "2024-05-01T10:00:00Z stdout  empty tag", time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
			stream: Stdout, message: "empty tag",
		},
		{
			line: "2024-05-01T12:00:00.25+02:00 stdout F CRI-O", time: time.Date(2024, 5, 1, 10, 0, 0, 25e7, time.UTC),
			stream: Stdout, tag: "F", message: "CRI-O",
		},
		{
			line: "2024-05-01T10:00:00.1234567891Z stdout F ten digits", time: time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC),
			stream: Stdout, tag: "F", message: "ten digits",
		},
		{
			line: "2024-05-01T10:00:00,5Z stdout F comma", time: time.Date(2024, 5, 1, 10, 0, 0, 5e8, time.UTC),
			stream: Stdout, tag: "F", message: "comma",
		},
		{line: "2024-05-01T1:00:00Z stdout F one-digit hour", time: time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC), stream: Stdout, tag: "F", message: "one-digit hour"},
		{line: "2024-05-01T10:00:00Z stdout F a\tb\rc", time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), stream: Stdout, tag: "F", message: "a\tb\rc"},

		{line: "", err: ErrSyntax},
		{line: "garbage", err: ErrSyntax},
		{line: " 2024-05-01T10:00:00Z stdout F leading space", err: ErrSyntax},
		{line: "2024-05-01T10:00:00Z stdout", err: ErrSyntax},
		{line: "2024-05-01T10:00:00Z stdoutF x", err: ErrSyntax},
		{line: "2024-05-01T10:00:00Z stdin F x", err: ErrSyntax},
		{line: "2024-05-01T10:00:00Z  stdout F x", err: ErrSyntax},
		{line: "2024-05-01T10:00:00ZZ stdout F x", err: ErrSyntax},
		{line: "2024-05-01T10:00:00^Z stdout F x", err: ErrSyntax},
		{line: "Z stdout F x", err: ErrSyntax},
		{line: "2024-05-01T10:00:00Z stdout F new\nline", err: ErrSyntax},

		{line: "2024-02-30T10:00:00Z stdout F x", stream: Stdout, tag: "F", message: "x", err: errTime},
		{line: "2024-05-01T24:00:00Z stdout F x", stream: Stdout, tag: "F", message: "x", err: errTime},
		{line: "2024-05-01T10:00:00.Z stdout F x", stream: Stdout, tag: "F", message: "x", err: errTime},
		{line: "2024-05-01T10:00:00 stdout F no zone", stream: Stdout, tag: "F", message: "no zone", err: errTime},
		{line: "yesterday stdout F x", stream: Stdout, tag: "F", message: "x", err: errTime},
	}
	for _, tt := range tests {
		l, err := Parse([]byte(tt.line))
		switch {
		case tt.err == errTime:
			var perr *time.ParseError
			if !errors.As(err, &perr) {
				t.Errorf("Parse(%q): error %v, want a *time.ParseError", tt.line, err)
			}
		case tt.err != nil:
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%q): error %v, want %v", tt.line, err, tt.err)
			}
			continue
		case err != nil:
			t.Errorf("Parse(%q): %v", tt.line, err)
			continue
		case !l.Time.Equal(tt.time):
			t.Errorf("Parse(%q): time %v, want %v", tt.line, l.Time, tt.time)
		}
		if l.Stream != tt.stream || string(l.Tag) != tt.tag || string(l.Message) != tt.message {
			t.Errorf("Parse(%q) = %q %q %q, want %q %q %q", tt.line, l.Stream, l.Tag, l.Message, tt.stream, tt.tag, tt.message)
		}
		if l.Partial() != (tt.tag != "F") {
			t.Errorf("Parse(%q).Partial() = %v", tt.line, l.Partial())
		}
	}
}

var errTime = errors.New("time")

func TestParseYearZero(t *testing.T) {
	// The operator puts a year 0 in the current year (or the last).
	l, err := Parse([]byte("0000-01-01T00:00:00Z stdout F x"))
	if err != nil {
		t.Fatal(err)
	}
	if y, now := l.Time.Year(), time.Now().Year(); y != now && y != now-1 {
		t.Errorf("year %d", y)
	}
}

// The contrib container operator's patterns, for the fuzz test and
// TestSplitFieldsMatchesOperator to hold splitFields to.
var (
	crioPattern       = regexp.MustCompile(`^(?P<time>[^ Z]+) (?P<stream>stdout|stderr) (?P<logtag>[^ ]*) ?(?P<log>.*)$`)
	containerdPattern = regexp.MustCompile(`^(?P<time>[^ ^Z]+Z) (?P<stream>stdout|stderr) (?P<logtag>[^ ]*) ?(?P<log>.*)$`)
)

// checkSplitFields fails t when splitFields disagrees with the operator's
// patterns on line, or loses bytes of it.
func checkSplitFields(t *testing.T, line []byte) {
	t.Helper()
	var l Line
	crio, reason := splitFields(line, &l)
	want := crioPattern.FindSubmatch(line)
	wantCrio := want != nil
	if !wantCrio {
		want = containerdPattern.FindSubmatch(line)
	}
	// "." in the operator's "(?P<log>.*)$" does not match a newline, which
	// splitFields leaves to Parse (a token never has one).
	matched := reason == "" && bytes.IndexByte(l.Message, '\n') < 0
	if matched != (want != nil) {
		t.Fatalf("splitFields(%q): reason %q, operator match %q", line, reason, want)
	}
	if want == nil {
		return
	}
	if crio != wantCrio || !bytes.Equal(l.TimeText, want[1]) || l.Stream != string(want[2]) ||
		!bytes.Equal(l.Tag, want[3]) || !bytes.Equal(l.Message, want[4]) {
		t.Fatalf("splitFields(%q) = %v %q %q %q %q, operator %v %q", line, crio, l.TimeText, l.Stream, l.Tag, l.Message, wantCrio, want[1:])
	}
	// Every byte is in a field or is one of the spaces between them.
	n := len(l.TimeText) + 1 + len(l.Stream) + 1 + len(l.Tag) + len(l.Message)
	if len(l.Message) > 0 || len(line) > n {
		n++
	}
	if n != len(line) {
		t.Fatalf("splitFields(%q): fields of %d bytes", line, n)
	}
}

func TestSplitFieldsMatchesOperator(t *testing.T) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.log"))
	var data []byte
	for _, f := range fixtures {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b...)
	}
	data = append(data, generatedLog(5, 500, false)...)
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		checkSplitFields(t, line)
		checkSplitFields(t, bytes.TrimRight(line, "\r"))
	}
}

// checkParseZulu fails t when parseZulu accepts text and disagrees with
// time.Parse and the containerd layout.
func checkParseZulu(t *testing.T, text []byte) {
	t.Helper()
	got, ok := parseZulu(text)
	if !ok {
		return
	}
	want, err := time.ParseInLocation(containerdLayout, string(text), time.UTC)
	if err != nil || !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("parseZulu(%q) = %v, time.Parse: %v, %v", text, got, want, err)
	}
}

func TestParseZulu(t *testing.T) {
	for _, s := range []string{
		"2024-05-01T10:00:00Z", "2024-05-01T10:00:00.1Z", "2024-05-01T10:00:00.123456789Z",
		"2024-05-01T10:00:00.1234567891234Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2000-02-29T12:00:00Z", "2100-02-28T12:00:00Z",
		"2024-12-31T23:59:59Z", "1600-03-01T00:00:00Z",
	} {
		if _, ok := parseZulu([]byte(s)); !ok {
			t.Errorf("parseZulu(%q) gave up", s)
		}
		checkParseZulu(t, []byte(s))
	}
	for _, s := range []string{
		"0000-01-01T00:00:00Z", "2024-02-30T00:00:00Z", "2100-02-29T00:00:00Z", "2024-05-01T24:00:00Z",
		"2024-05-01T10:60:00Z", "2024-05-01T10:00:60Z", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00,5Z",
		"2024-05-01T10:00:00.5x5Z", "2024-05-01 10:00:00Z", "2024-05-01T10:00:00", "+024-05-01T10:00:00Z",
	} {
		if _, ok := parseZulu([]byte(s)); ok {
			t.Errorf("parseZulu(%q) did not give up", s)
		}
	}
	// Every day of four centuries, at a time of day that moves.
	day := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 146097 {
		d := day.AddDate(0, 0, i).Add(time.Duration(i) * 7919 * time.Millisecond % (24 * time.Hour))
		checkParseZulu(t, []byte(d.Format(time.RFC3339Nano)))
	}
}
