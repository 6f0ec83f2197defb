package collectorcmd

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"

	"github.com/periscope-otel/periscope/internal/runcontrol"
)

func TestExitCode(t *testing.T) {
	assert.Equal(t, ExitOK, ExitCode(nil))
	assert.Equal(t, ExitCollectorFailed, ExitCode(errors.New("bad config")))
	assert.Equal(t, ExitNotDelivered, ExitCode(fmt.Errorf("wrapped: %w", &Error{Code: ExitNotDelivered, Err: errors.New("x")})))
}

func TestSummarize(t *testing.T) {
	t.Run("clean run names its output", func(t *testing.T) {
		tr := runcontrol.NewTracker()
		tr.ReportOutput("out/r1/a")
		var buf bytes.Buffer
		assert.NoError(t, summarize(tr, false, 0, &buf))
		assert.Equal(t, "periscope: output written to out/r1/a\n", buf.String())
	})
	t.Run("delivery failure exits 2 with the cause", func(t *testing.T) {
		tr := runcontrol.NewTracker()
		tr.ReportDeliveryFailure(errors.New("disk full"))
		var buf bytes.Buffer
		err := summarize(tr, false, 0, &buf)
		assert.Equal(t, ExitNotDelivered, ExitCode(err))
		assert.Contains(t, buf.String(), "not every record was delivered: disk full")
	})
	t.Run("an incomplete run exits 4 naming what is missing", func(t *testing.T) {
		tr := runcontrol.NewTracker()
		tr.ReportOutput("out/r1/a")
		tr.ReportIncomplete(errors.New("nodelogs/var_log_a.log: shrank"))
		tr.ReportIncomplete(errors.New("nodelogs/var_log_a.log: shrank"))
		var buf bytes.Buffer
		err := summarize(tr, false, 0, &buf)
		assert.Equal(t, ExitIncomplete, ExitCode(err))
		assert.Equal(t, "periscope: output written to out/r1/a\nperiscope: run incomplete: nodelogs/var_log_a.log: shrank\n", buf.String(),
			"said once, after where the output went")
	})
	t.Run("a delivery failure outranks incompleteness", func(t *testing.T) {
		tr := runcontrol.NewTracker()
		tr.ReportIncomplete(errors.New("x"))
		tr.ReportDeliveryFailure(errors.New("disk full"))
		assert.Equal(t, ExitNotDelivered, ExitCode(summarize(tr, false, 0, &bytes.Buffer{})))
	})
	t.Run("deadline names what did not finish", func(t *testing.T) {
		tr := runcontrol.NewTracker()
		tr.Expect(component.MustNewID("dns_config"))
		var buf bytes.Buffer
		err := summarize(tr, true, time.Minute, &buf)
		assert.Equal(t, ExitDeadline, ExitCode(err))
		assert.Contains(t, buf.String(), "deadline 1m0s reached before these collections finished: dns_config")
	})
}
