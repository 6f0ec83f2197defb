package runcontrol

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
)

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestTrackerFinishesWhenEveryCollectionIsDone(t *testing.T) {
	tr := NewTracker()
	assert.False(t, isClosed(tr.Finished()), "nothing expected yet: not finished")

	a := tr.Expect(component.MustNewID("a"))
	b := tr.Expect(component.MustNewID("b"))
	a.Done()
	a.Done() // twice is harmless
	assert.False(t, isClosed(tr.Finished()), "b is still pending")
	b.Done()
	assert.True(t, isClosed(tr.Finished()))
	assert.Equal(t, 2, tr.Expected())

	// A rebuilt pipeline starts a new round with a fresh channel.
	c := tr.Expect(component.MustNewID("c"))
	assert.False(t, isClosed(tr.Finished()))
	c.Done()
	assert.True(t, isClosed(tr.Finished()))
}

func TestTrackerFailuresAndOutputs(t *testing.T) {
	tr := NewTracker()
	assert.NoError(t, tr.DeliveryFailures())
	tr.ReportDeliveryFailure(errors.New("disk full"))
	tr.ReportOutput("out/run/node")
	assert.EqualError(t, tr.DeliveryFailures(), "disk full")
	assert.Equal(t, []string{"out/run/node"}, tr.Outputs())
}
