//go:build !windows

package periscopeprovider

import "github.com/periscope-otel/periscope/internal/settings"

// nodeLogsKey is the node log list of this OS.
const nodeLogsKey = settings.NodeLogsLinux
