package runcontrol

import "go.opentelemetry.io/collector/component"

// Run is the current run as the periscope_run extension knows it: which run,
// and whether this node already completed it (a restarted DaemonSet pod must
// not collect and upload the same run again, as Periscope did).
type Run interface {
	// ID is the current run ID.
	ID() string
	// Completed reports whether this node already delivered the current run.
	Completed() bool
	// MarkCompleted records that this node delivered runID.
	MarkCompleted(runID string) error
}

// FindRun returns the host's Run extension, or nil when the config has none
// (then every start collects).
func FindRun(host component.Host) Run {
	if host == nil {
		return nil
	}
	for _, ext := range host.GetExtensions() {
		if r, ok := ext.(Run); ok {
			return r
		}
	}
	return nil
}
