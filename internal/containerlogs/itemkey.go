package containerlogs

import (
	"fmt"
	"regexp"
)

// podLogPath matches the kubelet's pod log file path:
// …/<namespace>_<pod>_<uid>/<container>/<restart>.log.
var podLogPath = regexp.MustCompile(`/([^/_]+)_([^/_]+)_[^/_]+/([^/]+)/(\d+)\.log$`)

// ItemKey is the item key of a container log file:
// <namespace>_<pod>_<container>_<restart>.log, in the style of the kube
// objects' <namespace>_<type>_<name>. The shipped filelog config builds the
// same key from the container parser's attributes (see README); this
// function names the error items of files that could not be read.
func ItemKey(filePath string) (string, error) {
	m := podLogPath.FindStringSubmatch(filePath)
	if m == nil {
		return "", fmt.Errorf("%s is not a kubelet pod log path (<namespace>_<pod>_<uid>/<container>/<restart>.log)", filePath)
	}
	return m[1] + "_" + m[2] + "_" + m[3] + "_" + m[4] + ".log", nil
}
