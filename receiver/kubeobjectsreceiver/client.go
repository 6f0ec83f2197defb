package kubeobjectsreceiver

import (
	"time"

	"github.com/periscope-otel/periscope/internal/kubeclient"
)

// userAgent identifies the receiver in API server audit logs.
const userAgent = "otelcol-periscope/kube_objects"

// findAPIServer is internal/kubeclient's rule (the configured kubeconfig,
// else the pod's ServiceAccount, else $KUBECONFIG; never ~/.kube/config)
// under this receiver's name.
func findAPIServer(kubeconfig string, timeout time.Duration) (kubeclient.Server, error) {
	return kubeclient.Find(kubeconfig, userAgent, timeout)
}
