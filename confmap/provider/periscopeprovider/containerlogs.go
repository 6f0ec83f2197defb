package periscopeprovider

import (
	"github.com/periscope-otel/periscope/internal/containerlogs"
	"github.com/periscope-otel/periscope/internal/settings"
)

// noContainerLogs is the include pattern when no entry of the list is
// usable: filelog refuses an empty include, and the container_logs
// receiver names each bad entry in the run's output, so the collector
// should start anyway. The name says why nothing matches.
const noContainerLogs = containerlogs.PodsDirectory + "/no-usable-DIAGNOSTIC_CONTAINERLOGS_LIST-entry/*.log"

// containerLogFiles is DIAGNOSTIC_CONTAINERLOGS_LIST as filelog include
// patterns over the kubelet's pod logs under the root path. Malformed
// entries are left out here and reported by the container_logs receiver.
func (p *provider) containerLogFiles() ([]string, error) {
	entries, err := p.list(settings.ContainerLogsList, settings.SplitList)
	if err != nil {
		return nil, err
	}
	root := "/"
	if v, ok := p.source.Env(EnvRootPath); ok && v != "" {
		root = v
	}
	sels, _ := containerlogs.ParseList(entries)
	if len(sels) == 0 {
		return []string{underRoot(root, noContainerLogs)}, nil
	}
	patterns := make([]string, len(sels))
	for i, s := range sels {
		patterns[i] = s.Pattern(root)
	}
	return patterns, nil
}
