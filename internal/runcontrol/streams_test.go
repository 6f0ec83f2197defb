package runcontrol

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
)

func TestRoundWaitsForExpectedStreams(t *testing.T) {
	tr := NewTracker()
	c := tr.Expect(component.MustNewID("node_logs"))
	tr.ExpectStream("/hostroot/var/log/cloud-init.log", 100)
	tr.ExpectStream("/hostroot/var/log/empty.log", 0)
	c.Done()
	assert.False(t, isClosed(tr.Finished()), "the log is not read yet")
	assert.Equal(t, []string{"/hostroot/var/log/cloud-init.log (read 0 of 100 bytes)"}, tr.Pending())

	tr.StreamProgress("/hostroot/var/log/cloud-init.log", 60)
	tr.StreamProgress("/somewhere/else.log", 1000) // not expected: no effect
	assert.False(t, isClosed(tr.Finished()))
	tr.StreamProgress("/hostroot/var/log/cloud-init.log", 100)
	assert.True(t, isClosed(tr.Finished()))
}

func TestStalledStreamsAreNoticed(t *testing.T) {
	tr := NewTracker()
	c := tr.Expect(component.MustNewID("node_logs"))
	tr.ExpectStream("/var/log/truncated.log", 100)
	assert.False(t, tr.Stalled(0), "a collection is still running")
	c.Done()
	assert.False(t, tr.Stalled(time.Hour), "moved recently")
	assert.True(t, tr.Stalled(0))
	tr.StreamProgress("/var/log/truncated.log", 100)
	assert.False(t, tr.Stalled(0), "nothing pending")
}

// filelog may deliver a small file before the receiver that sizes it runs.
func TestProgressBeforeExpectationCounts(t *testing.T) {
	tr := NewTracker()
	c := tr.Expect(component.MustNewID("node_logs"))
	tr.StreamProgress("/var/log/small.log", 10)
	tr.ExpectStream("/var/log/small.log", 10)
	c.Done()
	assert.True(t, isClosed(tr.Finished()))
}
