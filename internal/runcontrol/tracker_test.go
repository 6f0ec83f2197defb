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
	// The same cause again (a retry every publish_interval) is kept once.
	tr.ReportDeliveryFailure(errors.New("disk full"))
	tr.ReportDeliveryFailure(errors.New("SAS expired"))
	tr.ReportDeliveryFailure(errors.New("disk full"))
	assert.EqualError(t, tr.DeliveryFailures(), "disk full\nSAS expired")
}

func TestTrackerWaitsForPostCollectionParticipants(t *testing.T) {
	tr := NewTracker()
	// Components are created before any starts: the processor registers
	// first (the collector builds pipelines from the exporter back).
	p := tr.ExpectAfterCollections(component.MustNewID("diagnoser"))
	c := tr.Expect(component.MustNewID("dns_config"))
	assert.False(t, isClosed(tr.CollectionsDone()))
	assert.Equal(t, []string{"diagnoser (after the collections)", "dns_config"}, tr.Pending())

	c.Done()
	assert.True(t, isClosed(tr.CollectionsDone()), "every collection is done")
	assert.False(t, isClosed(tr.Finished()), "the diagnoser has not delivered its output yet")
	assert.Equal(t, []string{"diagnoser (after the collections)"}, tr.Pending())

	p.Done()
	p.Done() // twice is harmless
	assert.True(t, isClosed(tr.Finished()))
	assert.Empty(t, tr.Pending())
}

func TestTrackerParticipantDoneBeforeCollections(t *testing.T) {
	tr := NewTracker()
	p := tr.ExpectAfterCollections(component.MustNewID("diagnoser"))
	c := tr.Expect(component.MustNewID("iptables"))
	// A participant shut down early (another component failed to start)
	// must not hold the run open, nor end it before the collections.
	p.Done()
	assert.False(t, isClosed(tr.Finished()))
	c.Done()
	assert.True(t, isClosed(tr.CollectionsDone()))
	assert.True(t, isClosed(tr.Finished()))
}

func TestTrackerParticipantsOnlyNeverFinish(t *testing.T) {
	tr := NewTracker()
	p := tr.ExpectAfterCollections(component.MustNewID("diagnoser"))
	p.Done()
	assert.False(t, isClosed(tr.CollectionsDone()), "nothing was collected: the run ends by deadline or signal")
	assert.False(t, isClosed(tr.Finished()))
}

func TestTrackerParticipantStartsANewRound(t *testing.T) {
	tr := NewTracker()
	tr.Expect(component.MustNewID("a")).Done()
	assert.True(t, isClosed(tr.Finished()))

	// The rebuilt pipeline creates the processor before the receivers.
	p := tr.ExpectAfterCollections(component.MustNewID("diagnoser"))
	assert.False(t, isClosed(tr.CollectionsDone()), "a new round")
	assert.False(t, isClosed(tr.Finished()))
	c := tr.Expect(component.MustNewID("a"))
	c.Done()
	assert.True(t, isClosed(tr.CollectionsDone()))
	assert.False(t, isClosed(tr.Finished()))
	p.Done()
	assert.True(t, isClosed(tr.Finished()))
}
