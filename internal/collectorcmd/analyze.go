package collectorcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/periscope-otel/periscope/internal/analyze"
	runreport "github.com/periscope-otel/periscope/internal/report"
	"github.com/periscope-otel/periscope/internal/runread"
)

// errReported: the analysis said everything itself; only the exit code is left.
var errReported = errors.New("reported")

// newAnalyzeCommand is `analyze`: the diagnoser's rules over a run already
// collected, this project's or Periscope's own.
func newAnalyzeCommand(stdout io.Writer) *cobra.Command {
	var (
		asJSON  bool
		html    string
		runID   string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "analyze <run or node folder | node zip | blob URL with SAS | container URL with SAS>...",
		Short: "Judge a collected run offline and print the findings across its nodes",
		Long: `Runs the diagnoser's rules over a run that was already collected: a run folder
(<run-id>/ with a folder per node), a node folder, an output directory (its newest run,
or --run-id), a node zip, or Azure Blob Storage: a blob URL with a SAS (a node zip, or a
<run-id>/ or <run-id>/<node>/ prefix), or a container URL with a SAS (its run --run-id, else
the newest). This project's layout and AKS Periscope's own are read; the container is
only listed and read.

Findings are printed grouped by code: which nodes, the evidence, the next step.
Exit code: 0 nothing above INFO, 2 the worst finding is a WARN (or part of the
run could not be read, named under "not analysed"), 3 some finding is an ERROR,
1 nothing could be read.`,
		Args:          cobra.MinimumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			run, err := runread.Open(ctx, args, runID)
			if err != nil {
				return &Error{Code: analyze.ExitFailed, Err: err}
			}
			res, err := analyze.Run(ctx, run)
			if err != nil {
				return &Error{Code: analyze.ExitFailed, Err: err}
			}
			if html != "" {
				if err := writeReport(html, run, res); err != nil {
					return &Error{Code: analyze.ExitFailed, Err: err}
				}
			}
			if asJSON {
				err = res.WriteJSON(stdout)
			} else {
				err = res.WriteTable(stdout)
				if html != "" && err == nil {
					_, err = fmt.Fprintf(stdout, "\nreport: %s\n", html)
				}
			}
			if err != nil {
				return &Error{Code: analyze.ExitFailed, Err: err}
			}
			if code := res.ExitCode(); code != analyze.ExitClean {
				return &Error{Code: code, Err: errReported}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the analysis as JSON")
	cmd.Flags().StringVar(&html, "html", "", "also write the run's report page to this file")
	cmd.Flags().StringVar(&runID, "run-id", "", "the run to read from an output directory or a container")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "bound of the whole analysis (blob reads)")
	return cmd
}

// writeReport writes the page; items link relative to the file when the run
// is on disk.
func writeReport(path string, run *runread.Run, res *analyze.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	links := runreport.LinksFrom(path, run.LinkBase)
	if err := runreport.Write(f, runreport.Build(run, res, links)); err != nil {
		f.Close()
		return fmt.Errorf("write the report %s: %w", path, err)
	}
	return f.Close()
}
