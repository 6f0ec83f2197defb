package nodefile

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// A copy holds the file as it was at Take: bytes written later are not
// chased.
func TestCopyIsBoundedByTheSizeAtTheStart(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.log")
	write(t, p, []byte("line one\nline two\n"))
	snap, err := Take(p)
	require.NoError(t, err)
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("written after the start\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	var out bytes.Buffer
	n, err := snap.CopyTo(&out)
	require.NoError(t, err)
	assert.Equal(t, int64(18), n)
	assert.Equal(t, "line one\nline two\n", out.String())
}

// A file that shrank under the copy is copied as far as it goes and named;
// one replaced after Take is copied as it is now and named.
func TestChangedFilesAreNamed(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.log")
	write(t, p, []byte(strings.Repeat("x", 100)))
	snap, err := Take(p)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(p, 40))
	var out bytes.Buffer
	n, err := snap.CopyTo(&out)
	require.ErrorIs(t, err, ErrChanged)
	assert.EqualError(t, err, "the file changed during the run: shrank from 100 to 40 bytes during the copy (truncated, or rotated by copytruncate); the item holds the first 40 bytes")
	assert.Equal(t, int64(40), n)

	other := filepath.Join(dir, "b.log")
	write(t, other, []byte("the new file, longer than forty bytes, all of it copied\n"))
	require.NoError(t, os.Rename(other, p))
	out.Reset()
	_, err = snap.CopyTo(&out)
	require.ErrorIs(t, err, ErrChanged)
	assert.Contains(t, err.Error(), "replaced by another file after the run listed it (100 bytes then, 56 now); the item holds the new file")
	assert.Equal(t, "the new file, longer than forty bytes, all of it copied\n", out.String())
}

// A file renamed away while it is read is copied whole, as it was, and
// named: what is written to its replacement is not in the run.
func TestReplacedWhileReadIsNamed(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "0.log")
	write(t, p, []byte("before the rotation\n"))
	snap, err := Take(p)
	require.NoError(t, err)
	c, err := snap.Open()
	require.NoError(t, err)
	require.NoError(t, os.Rename(p, p+".20261204-101010"))
	write(t, p, []byte("the new file\n"))
	data, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "before the rotation\n", string(data))
	err = c.Close()
	assert.ErrorIs(t, err, ErrChanged)
	assert.ErrorContains(t, err, "replaced by another file while the run copied it")
}

// A gzip rotation is copied decompressed; a broken one says so.
func TestGzipIsDecompressed(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte("rotated line\n"))
	require.NoError(t, zw.Close())
	p := filepath.Join(dir, "0.log.20261204-101010.gz")
	write(t, p, b.Bytes())
	snap, err := Take(p)
	require.NoError(t, err)
	assert.True(t, snap.Gzip)
	var out bytes.Buffer
	_, err = snap.CopyTo(&out)
	require.NoError(t, err)
	assert.Equal(t, "rotated line\n", out.String())
	size, err := GzipSize(p)
	require.NoError(t, err)
	assert.Equal(t, int64(13), size)

	write(t, p, []byte("not gzip at all, but named .gz"))
	snap, err = Take(p)
	require.NoError(t, err)
	_, err = snap.CopyTo(io.Discard)
	assert.ErrorContains(t, err, "not gzip: gzip: invalid header")
}

// What is not a regular file is refused by type, never opened for reading
// (a FIFO would block the run).
func TestOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.log")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	_, err := Take(fifo)
	assert.ErrorIs(t, err, ErrNotRegular)
	assert.EqualError(t, err, "not a regular file (a FIFO)")
	_, err = Take(dir)
	assert.EqualError(t, err, "not a regular file (a directory)")

	// A regular file replaced by a FIFO between Take and the copy.
	p := filepath.Join(dir, "a.log")
	write(t, p, []byte("x\n"))
	snap, err := Take(p)
	require.NoError(t, err)
	require.NoError(t, os.Remove(p))
	require.NoError(t, syscall.Mkfifo(p, 0o644))
	done := make(chan error)
	go func() { _, err := snap.CopyTo(io.Discard); done <- err }()
	// Opening a FIFO for reading blocks until a writer comes: be one.
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer w.Close()
	assert.ErrorIs(t, <-done, ErrNotRegular)
}

type line struct {
	text   string
	offset int64
}

func lines(t *testing.T, content []byte) []line {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.log")
	write(t, p, content)
	snap, err := Take(p)
	require.NoError(t, err)
	var got []line
	require.NoError(t, snap.Lines(func(l []byte, off int64) error {
		got = append(got, line{string(l), off})
		return nil
	}))
	return got
}

func TestLines(t *testing.T) {
	assert.Equal(t, []line{{"a", 0}, {"", 2}, {"bc\r", 3}, {"last", 7}}, lines(t, []byte("a\n\nbc\r\nlast")))
	assert.Nil(t, lines(t, nil))

	// A line longer than MaxLine comes in pieces; offsets stay exact.
	long := bytes.Repeat([]byte("y"), MaxLine+10)
	got := lines(t, append(append([]byte("first\n"), long...), []byte("\nafter\n")...))
	require.Len(t, got, 4)
	assert.Equal(t, line{"first", 0}, got[0])
	assert.Equal(t, MaxLine, len(got[1].text))
	assert.Equal(t, int64(6), got[1].offset)
	assert.Equal(t, line{strings.Repeat("y", 10), int64(6 + MaxLine)}, got[2])
	assert.Equal(t, line{"after", int64(6 + MaxLine + 11)}, got[3])
}

// FuzzLines: the lines, joined back with "\n", are the input (pieces of a
// long line joined without one), and each offset is where its line starts.
func FuzzLines(f *testing.F) {
	for _, s := range []string{"", "\n", "a", "a\nb", "a\nb\n", "\n\n\r\n", "x\x00\xff\n"} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		p := filepath.Join(dir, "fuzz.log")
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		snap, err := Take(p)
		if err != nil {
			t.Fatal(err)
		}
		var rebuilt []byte
		err = snap.Lines(func(l []byte, off int64) error {
			if off != int64(len(rebuilt)) {
				t.Fatalf("line at %d reported at %d", len(rebuilt), off)
			}
			if bytes.IndexByte(l, '\n') >= 0 {
				t.Fatalf("line %q holds a newline", l)
			}
			rebuilt = append(rebuilt, l...)
			if int(off)+len(l) < len(content) && content[int(off)+len(l)] == '\n' {
				rebuilt = append(rebuilt, '\n')
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rebuilt, content) {
			t.Fatalf("lines rebuild %q, want %q", rebuilt, content)
		}
	})
}
