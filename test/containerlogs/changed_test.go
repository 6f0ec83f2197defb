//go:build linux

package containerlogs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/test/logfixture"
)

const (
	bigLog   = "/var/log/big.log"
	smallLog = "/var/log/small.log"
	// bigLogBytes is large enough that copying it at disk speed takes a
	// few hundred milliseconds: the test sees the copy begin (it polls
	// every millisecond) long before it ends.
	bigLogBytes = 384 << 20
)

// A node log truncated (as by logrotate's copytruncate) while the run
// copies it: the run ends with exit code 4 ("incomplete"), status.json
// says complete false and names the item and the node path with stage
// "incomplete", periscope-errors.log names the path. The other node log
// is collected whole.
func TestNodeLogTruncatedMidRunIsNamed(t *testing.T) {
	testChangedMidRun(t, func(t *testing.T, r *run, path string) {
		require.NoError(t, os.Truncate(path, 0))
	})
}

// The same when another file is renamed over the node log while the run
// copies it (logrotate's create, or an editor's save): the file the run
// listed is no longer the one at that path.
func TestNodeLogReplacedMidRunIsNamed(t *testing.T) {
	testChangedMidRun(t, func(t *testing.T, r *run, path string) {
		require.NoError(t, os.Rename(filepath.Join(r.root, bigLog+".new"), path))
	})
}

func testChangedMidRun(t *testing.T, change func(t *testing.T, r *run, path string)) {
	r := newRun(t, diskTempDir(t))
	began := time.Now()
	big, err := logfixture.NodeLog(r.root, bigLog, bigLogBytes, 1)
	require.NoError(t, err)
	small, err := logfixture.NodeLog(r.root, smallLog, 1<<20, 2)
	require.NoError(t, err)
	// The replacement, for the rename case: a different file.
	_, err = logfixture.NodeLog(r.root, bigLog+".new", 4<<20, 3)
	require.NoError(t, err)
	t.Logf("wrote %s (%d MiB) and %s in %s", bigLog, big.Size>>20, smallLog, time.Since(began).Round(time.Millisecond))
	r.env["DIAGNOSTIC_NODELOGS_LIST_LINUX"] = bigLog + " " + smallLog
	r.env["PERISCOPE_DISABLE_COLLECTORS"] = onlyLogs + " containerlogs"

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd, out := r.command(t, ctx)
	started := time.Now()
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	var waitErr error
	go func() {
		defer close(exited)
		waitErr = cmd.Wait()
	}()

	// The copy has begun when the item appears in the output, or when the
	// run holds the node log open (a copy written elsewhere first, then
	// renamed into place, shows only the latter).
	path := big.Path
	resolved, err := filepath.EvalSymlinks(path) // as /proc shows it
	require.NoError(t, err)
	trigger, copied := "", int64(0)
	for trigger == "" {
		select {
		case <-exited:
			t.Fatalf("the run ended before the test saw it copy %s: %s", bigLog, ended(t, ctx, cmd, waitErr, out, started))
		case <-time.After(time.Millisecond):
		}
		if fi, err := os.Stat(r.item(big.Key)); err == nil {
			trigger, copied = "the item appeared", fi.Size()
		} else if holdsOpen(cmd.Process.Pid, resolved) {
			trigger = "the run opened the node log"
			if fi, err := os.Stat(r.item(big.Key)); err == nil {
				copied = fi.Size()
			}
		}
	}
	change(t, r, path)
	t.Logf("changed %s %s after the start, when %s (%d of %d bytes in the item)",
		bigLog, time.Since(started).Round(time.Millisecond), trigger, copied, big.Size)
	<-exited
	res := ended(t, ctx, cmd, waitErr, out, started)
	require.Less(t, copied, big.Size, "the copy was whole before the test changed the file: make bigLogBytes larger")

	t.Logf("run: %s", res.wall.Round(time.Millisecond))
	assert.Equal(t, exitIncomplete, res.code, "exit code; want 4 (incomplete): %s", res)
	st := r.status(t)
	assert.Equal(t, "false", st.complete(), `status.json "complete"`)
	var named []string
	for _, e := range st.Errors {
		if e.Stage == stageIncomplete && strings.Contains(e.Message, big.Key) && strings.Contains(e.Message, bigLog) {
			named = append(named, e.Message)
		}
	}
	assert.Len(t, named, 1, "status.json errors of stage %q naming %s and %s; all errors: %+v", stageIncomplete, big.Key, bigLog, st.Errors)
	errLog, err := os.ReadFile(filepath.Join(r.nodeDir(), "periscope-errors.log"))
	if assert.NoError(t, err, "periscope-errors.log") {
		assert.Contains(t, string(errLog), bigLog, "periscope-errors.log")
	}
	assert.NoError(t, small.CheckFile(r.item(small.Key)), "the unchanged node log is collected whole")
}

// holdsOpen reports whether process pid has path open.
func holdsOpen(pid int, path string) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && target == path {
			return true
		}
	}
	return false
}
