package periscopeprovider

import (
	"fmt"
	"path"
	"strings"

	"github.com/periscope-otel/periscope/internal/settings"
)

// nodeLogFiles is this OS's node log list as filelog include patterns: each
// node path under the root path the node is mounted at.
func (p *provider) nodeLogFiles() ([]string, error) {
	paths, err := p.list(nodeLogsKey, settings.SplitPaths)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		// filelog refuses an empty include with a message that names none
		// of Periscope's settings.
		return nil, fmt.Errorf("%s is empty: list at least one node log file, or leave node logs out with COLLECTOR_LIST=connectedCluster", nodeLogsKey)
	}
	root := "/"
	if v, ok := p.source.Env(EnvRootPath); ok && v != "" {
		root = v
	}
	var files []string
	for _, np := range paths {
		// An entry that is no absolute path (a stray quote) is named by
		// the node_logs receiver; joined under the root it would read
		// some other file.
		if settings.IsAbsPath(np) {
			files = append(files, underRoot(root, np))
		}
	}
	if len(files) == 0 {
		return []string{underRoot(root, "/var/log/no-usable-"+nodeLogsKey+"-entry")}, nil
	}
	return files, nil
}

// underRoot joins a node path under the root. Windows paths keep their
// drive; the root path is a Linux DaemonSet concept.
func underRoot(root, nodePath string) string {
	if strings.Contains(nodePath, `\`) || (len(nodePath) > 1 && nodePath[1] == ':') {
		return nodePath
	}
	return path.Join(root, nodePath)
}
