// Package collectorcmd is otelcol-periscope's command line: the collector's
// own command (components, validate, print-config…) with Periscope's run
// modes on top. The builder generates the component list; the distribution's
// main (cmd/otelcol-periscope/main.go.in) hands it here.
package collectorcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/collector/otelcol"

	"github.com/periscope-otel/periscope/distributions"
	"github.com/periscope-otel/periscope/internal/runcontrol"
)

// Exit codes of a run, so scripts and Jobs can tell failures apart.
const (
	ExitOK              = 0
	ExitCollectorFailed = 1 // bad config, a component failed to start…
	ExitNotDelivered    = 2 // collected, but an exporter could not write it all
	ExitDeadline        = 3 // --deadline passed before the run finished
	ExitIncomplete      = 4 // delivered, but items the run set out to collect are missing or partial
)

// Error carries the exit code of a failed run.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode maps Execute's result to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ExitCollectorFailed
}

// Execute runs the command line. Without --config it runs the embedded local
// default once; --once makes any config collect once, flush and exit.
func Execute(set otelcol.CollectorSettings) error {
	return execute(set, os.Args[1:], runcontrol.Default, os.Stderr)
}

func execute(set otelcol.CollectorSettings, args []string, tracker *runcontrol.Tracker, stderr io.Writer) error {
	set.ConfigProviderSettings.ResolverSettings.URIs = []string{"yaml:" + distributions.Local}
	var quiet atomic.Bool
	prog := newProgress(stderr, tracker)
	set.LoggingOptions = append(set.LoggingOptions, watchDrops(tracker), quietLogs(&quiet, prog.clear))
	cmd := otelcol.NewCommand(set)
	cmd.SetArgs(args)
	cmd.AddCommand(newAnalyzeCommand(os.Stdout))

	var (
		once     bool
		deadline time.Duration
		stall    time.Duration
		verbose  bool
		showProg bool
	)
	cmd.Flags().BoolVar(&verbose, "verbose", false,
		"on a terminal, also print the collector's INFO lines (a one-shot run on a terminal shows progress instead)")
	cmd.Flags().BoolVar(&showProg, "progress", false,
		"show the progress line and hide INFO lines as on a terminal, wherever stderr goes")
	cmd.Flags().BoolVar(&once, "once", false,
		"collect once, flush every exporter, then exit (default true without --config)")
	cmd.Flags().DurationVar(&deadline, "deadline", 0,
		"stop the run after this long, flushing what was collected (0: no deadline)")
	cmd.Flags().DurationVar(&stall, "stall", 0, "no longer used: logs are read to their size at the run's start, and a file that shrank or was replaced is named at once")
	_ = cmd.Flags().MarkDeprecated("stall", "a run no longer waits on a log that stopped growing")

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	errDeadline := errors.New("deadline reached")
	ran := false
	stopProgress := func() {}
	cmd.PreRunE = func(c *cobra.Command, _ []string) error {
		ran = true
		if !c.Flags().Changed("config") && !c.Flags().Changed("once") {
			once = true
		}
		if deadline > 0 {
			t := time.AfterFunc(deadline, func() { cancel(errDeadline) })
			context.AfterFunc(ctx, func() { t.Stop() })
		}
		if once {
			go waitForRun(ctx, tracker, func() { cancel(nil) })
			if showProg || (isTerminal(stderr) && !c.Flags().Changed("verbose")) {
				if !verbose {
					quiet.Store(true)
				}
				progCtx, stopProg := context.WithCancel(ctx)
				progDone := make(chan struct{})
				go func() { defer close(progDone); prog.run(progCtx) }()
				stopProgress = func() { stopProg(); <-progDone }
			}
		}
		return nil
	}

	err := cmd.ExecuteContext(ctx)
	stopProgress()
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			if !errors.Is(e.Err, errReported) {
				fmt.Fprintf(stderr, "periscope: %v\n", e.Err)
			}
			return e // analyze: its exit code by the worst finding
		}
		return &Error{Code: ExitCollectorFailed, Err: err}
	}
	if !ran {
		return nil // a subcommand (components, validate…) or --help
	}
	return summarize(tracker, errors.Is(context.Cause(ctx), errDeadline), deadline, stderr)
}

// waitForRun ends a one-shot run when every collection is done.
func waitForRun(ctx context.Context, tracker *runcontrol.Tracker, done func()) {
	select {
	case <-tracker.Finished():
		done()
	case <-ctx.Done():
	}
}

// summarize tells where the output went and turns what went wrong into the
// exit code.
func summarize(tracker *runcontrol.Tracker, deadlineHit bool, deadline time.Duration, stderr io.Writer) error {
	for _, out := range tracker.Outputs() {
		fmt.Fprintf(stderr, "periscope: output written to %s\n", out)
	}
	if err := tracker.DeliveryFailures(); err != nil {
		return report(stderr, &Error{Code: ExitNotDelivered, Err: fmt.Errorf("not every record was delivered: %w", err)})
	}
	if deadlineHit {
		if pending := tracker.Pending(); len(pending) > 0 {
			return report(stderr, &Error{Code: ExitDeadline, Err: fmt.Errorf(
				"deadline %s reached before these collections finished: %s", deadline, strings.Join(pending, ", "))})
		}
	}
	if err := tracker.Incomplete(); err != nil {
		return report(stderr, &Error{Code: ExitIncomplete, Err: fmt.Errorf("run incomplete: %w", err)})
	}
	return nil
}

func report(stderr io.Writer, err *Error) error {
	fmt.Fprintf(stderr, "periscope: %v\n", err)
	return err
}
