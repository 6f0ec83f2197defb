package cri

import (
	"regexp"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// podLogPath is the contrib container operator's pattern for the kubelet's
// /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log, copied so
// that the same paths match and give the same values.
var podLogPath = regexp.MustCompile(`^.*(\/|\\)(?P<namespace>[^_]+)_(?P<pod_name>[^_]+)_(?P<uid>[a-f0-9\-]+)(\/|\\)(?P<container_name>[^\._]+)(\/|\\)(?P<restart_count>\d+)\.log(\.\d{8}-\d{6})?$`)

// The resource attributes the operator derives from the path.
const (
	attrNamespace    = "k8s.namespace.name"
	attrPod          = "k8s.pod.name"
	attrPodUID       = "k8s.pod.uid"
	attrContainer    = "k8s.container.name"
	attrRestartCount = "k8s.container.restart_count"
)

// resource is what a record's resource holds: the pod and container of a
// path that matched podLogPath, or nothing (the zero value).
type resource struct {
	matched                                      bool
	namespace, pod, uid, container, restartCount string
}

func resourceOf(path string) resource {
	m := podLogPath.FindStringSubmatch(path)
	if m == nil {
		return resource{}
	}
	return resource{
		matched:      true,
		namespace:    m[podLogPath.SubexpIndex("namespace")],
		pod:          m[podLogPath.SubexpIndex("pod_name")],
		uid:          m[podLogPath.SubexpIndex("uid")],
		container:    m[podLogPath.SubexpIndex("container_name")],
		restartCount: m[podLogPath.SubexpIndex("restart_count")],
	}
}

func (res *resource) putTo(attrs pcommon.Map) {
	if !res.matched {
		return
	}
	attrs.EnsureCapacity(5)
	attrs.PutStr(attrNamespace, res.namespace)
	attrs.PutStr(attrPod, res.pod)
	attrs.PutStr(attrPodUID, res.uid)
	attrs.PutStr(attrContainer, res.container)
	// A string, as the operator sets it.
	attrs.PutStr(attrRestartCount, res.restartCount)
}
