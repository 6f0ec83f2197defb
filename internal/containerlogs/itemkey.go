package containerlogs

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// podLogPath matches the kubelet's pod log file path and its rotations:
// …/<namespace>_<pod>_<uid>/<container>/<restart>.log[.<stamp>[.gz]].
var podLogPath = regexp.MustCompile(`/([^/_]+)_([^/_]+)_[^/_]+/([^/]+)/(\d+\.log(?:\.\d{8}-\d{6})?)(\.gz)?$`)

// ItemKey is the item key of a container log file:
// <namespace>_<pod>_<container>_<restart>.log, in the style of the kube
// objects' <namespace>_<type>_<name>. A rotation the kubelet kept keeps
// its time stamp (…_<restart>.log.<stamp>); a compressed one is collected
// decompressed, so its key drops ".gz".
func ItemKey(filePath string) (string, error) {
	m := podLogPath.FindStringSubmatch(filePath)
	if m == nil || (m[5] != "" && !strings.Contains(m[4], ".log.")) { // only rotations are compressed
		return "", fmt.Errorf("%s is not a kubelet pod log path (<namespace>_<pod>_<uid>/<container>/<restart>.log)", filePath)
	}
	return m[1] + "_" + m[2] + "_" + m[3] + "_" + m[4], nil
}

// logName matches the names the kubelet gives a container's log files in
// its directory: the current file <restart>.log and its rotations
// <restart>.log.<stamp> (YYYYMMDD-hhmmss) and <restart>.log.<stamp>.gz.
// Its temporary files (…​.gz.tmp while compressing) do not match.
var logName = regexp.MustCompile(`^(\d+)\.log(?:\.(\d{8}-\d{6}))?(\.gz)?$`)

// LogFile is one of a container's log files, by its name.
type LogFile struct {
	Name    string
	Restart int
	// Stamp is when the kubelet rotated it; empty for the current file.
	Stamp string
	Gzip  bool
}

// Current reports whether this is a restart's file the runtime writes to.
func (f LogFile) Current() bool { return f.Stamp == "" }

// ParseLogName reads a file name of a container's log directory; ok is
// false for names the kubelet does not give its logs.
func ParseLogName(name string) (f LogFile, ok bool) {
	m := logName.FindStringSubmatch(name)
	if m == nil || (m[2] == "" && m[3] != "") {
		return LogFile{}, false
	}
	restart, err := strconv.Atoi(m[1])
	if err != nil {
		return LogFile{}, false
	}
	return LogFile{Name: name, Restart: restart, Stamp: m[2], Gzip: m[3] != ""}, true
}

// ContainerPattern is the glob of the container log directories the
// selector picks with the node mounted at root:
// <root>/var/log/pods/<namespace>_*/<prefix>*.
func (s Selector) ContainerPattern(root string) string {
	if root == "" {
		root = "/"
	}
	return path.Join(root, PodsDirectory, s.Namespace+"_*", s.ContainerPrefix+"*")
}
