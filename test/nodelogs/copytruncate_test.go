package nodelogs

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// copyTruncate does what logrotate's copytruncate does: copy the log
// aside, then truncate it in place; the program keeps its O_APPEND
// descriptor and goes on writing at the start of the emptied file.
func copyTruncate(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path+".1", data, 0o644))
	require.NoError(t, os.Truncate(path, 0))
}

// copytruncate after filelog has read everything written: no line is lost
// or repeated. The truncated file's new first line differs from the old
// one, so filelog reads it as a new file from its start.
func TestCopyTruncateAfterCatchUpDeliversEveryLineOnce(t *testing.T) {
	p := startPipeline(t)
	header1 := []string{"log file 1 opened " + t.Name()}
	before := lines("before", 300)
	header2 := []string{"log file 2 after copytruncate"}
	after := lines("after", 300)

	f := openAppend(t, p.logPath())
	defer f.Close()
	write(t, f, header1...)
	write(t, f, before...)
	p.waitDelivered(t, 1+len(before))

	copyTruncate(t, p.logPath())
	write(t, f, header2...)
	write(t, f, after...)

	got := p.waitDelivered(t, len(header1)+len(before)+len(header2)+len(after))
	assertExactlyOnce(t, got, header1, before, header2, after)
}

// copytruncate while lines filelog has not read yet are in the file: the
// lines written since filelog's last poll (at most one poll_interval,
// 200 ms, of writing) are truncated away before it reads them, and only
// the copy (*.1, not in include) holds them. They are lost; this is
// copytruncate's documented race, not the collector's. Every other line
// is delivered exactly once, and nothing twice.
func TestCopyTruncateMidReadLosesOnlyTheUnreadTail(t *testing.T) {
	p := startPipeline(t)
	header1 := []string{"log file 1 opened " + t.Name()}
	before, unread := lines("before", 300), lines("unread", 300)
	header2 := []string{"log file 2 after copytruncate"}
	after := lines("after", 300)

	f := openAppend(t, p.logPath())
	defer f.Close()
	write(t, f, header1...)
	write(t, f, before...)
	p.waitDelivered(t, 1+len(before))

	write(t, f, unread...)
	copyTruncate(t, p.logPath())
	write(t, f, header2...)
	write(t, f, after...)

	minimum := len(header1) + len(before) + len(header2) + len(after)
	got := p.waitDelivered(t, minimum)
	seen := count(got)
	for _, batch := range [][]string{header1, before, header2, after} {
		for _, l := range batch {
			assert.Equal(t, 1, seen[l], "times delivered: %.9s", l)
		}
	}
	lost := 0
	for _, l := range unread {
		assert.LessOrEqual(t, seen[l], 1, "never twice: %.10s", l)
		if seen[l] == 0 {
			lost++
		}
	}
	for l, n := range seen {
		assert.Equal(t, 1, n, "delivered %d times: %.10s", n, l)
	}
	// A poll can fall between the write and the truncation; then nothing
	// is lost. What is lost is always the unread tail, never a line from
	// the middle: delivered unread lines are a prefix.
	for i := 1; i < len(unread); i++ {
		if seen[unread[i]] == 1 {
			assert.Equal(t, 1, seen[unread[i-1]], "unread line %d delivered but %d lost", i+1, i)
		}
	}
	assert.Len(t, got, minimum+len(unread)-lost)
	t.Logf("copytruncate mid-read: %d of %d unread lines lost (written since filelog's last poll, truncated before its next)", lost, len(unread))
}
