package nodelogs

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// logrotate's "create": the log is renamed, the program writes a few more
// lines to the file it still holds open, then a new file (with a distinct
// first line: filelog tells files apart by their first bytes) takes the
// name. Every line of both files is delivered exactly once into the item,
// in the layout output.
func TestCreateRotationMidReadDeliversEveryLineOnce(t *testing.T) {
	p := startPipeline(t)
	header1 := []string{"log file 1 opened " + t.Name()}
	before, unread, late := lines("before", 300), lines("unread", 300), lines("late", 50)
	header2 := []string{"log file 2 opened after rotation"}
	after := lines("after", 300)

	f := openAppend(t, p.logPath())
	write(t, f, header1...)
	write(t, f, before...)
	// The collector is reading the file: the first lines are out.
	p.waitDelivered(t, 1+len(before))

	write(t, f, unread...) // not yet read when the file is rotated
	require.NoError(t, os.Rename(p.logPath(), p.logPath()+".1"))
	// The program has not reopened yet (it will on logrotate's HUP). These
	// lines reach the renamed file before filelog's next poll (200 ms): the
	// poll that no longer finds the old file reads it to its end.
	write(t, f, late...)
	require.NoError(t, f.Close())

	g := openAppend(t, p.logPath())
	write(t, g, header2...)
	write(t, g, after...)
	require.NoError(t, g.Close())

	total := len(header1) + len(before) + len(unread) + len(late) + len(header2) + len(after)
	got := p.waitDelivered(t, total)
	assertExactlyOnce(t, got, header1, before, unread, late, header2, after)
}

// The same rotation while filelog is still inside its first read of a
// large file (7.5 MB): its open descriptor follows the renamed file to the
// end, and the new file is read from its start.
func TestCreateRotationDuringALargeReadDeliversEveryLineOnce(t *testing.T) {
	p := startPipeline(t)
	header1 := []string{"log file 1 opened " + t.Name()}
	big, late := lines("big", 100_000), lines("late", 50)
	header2 := []string{"log file 2 opened after rotation"}
	after := lines("after", 300)

	f := openAppend(t, p.logPath())
	write(t, f, header1...)
	write(t, f, big...)
	require.Eventually(t, func() bool { return len(p.delivered(t)) > 0 }, 30*time.Second, time.Millisecond)
	readSoFar := len(p.delivered(t))

	require.NoError(t, os.Rename(p.logPath(), p.logPath()+".1"))
	write(t, f, late...)
	require.NoError(t, f.Close())
	g := openAppend(t, p.logPath())
	write(t, g, header2...)
	write(t, g, after...)
	require.NoError(t, g.Close())

	total := len(header1) + len(big) + len(late) + len(header2) + len(after)
	got := p.waitDelivered(t, total)
	assertExactlyOnce(t, got, header1, big, late, header2, after)
	t.Logf("rotated with %d of %d lines delivered", readSoFar, total)
}
