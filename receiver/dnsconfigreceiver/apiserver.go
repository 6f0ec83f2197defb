package dnsconfigreceiver

import (
	"errors"
	"fmt"

	"k8s.io/client-go/rest"

	"github.com/periscope-otel/periscope/internal/kubeclient"
)

// userAgent identifies the receiver in API server audit logs.
const userAgent = "otelcol-periscope/dns_config"

// errNoKubernetesConfig means auth_type auto found nothing to use: a host
// outside a cluster. The cluster part is skipped, not failed.
var errNoKubernetesConfig = errors.New("no Kubernetes config: not running in a pod (KUBERNETES_SERVICE_HOST unset) and no kubernetes.kubeconfig_path configured")

// findAPIServer loads the credentials auth_type names with client-go's
// loaders (internal/kubeclient for a kubeconfig file; nothing parsed by
// hand). auto prefers a configured kubeconfig (the operator's explicit
// choice), then the pod's ServiceAccount. Unlike kube_objects it never
// falls back to $KUBECONFIG (nor ~/.kube/config): dns_config runs in the
// local default, and `make run` on a workstation must not read whatever
// cluster kubectl points at.
func findAPIServer(k KubernetesConfig) (kubeclient.Server, error) {
	switch {
	case k.AuthType == AuthKubeConfig, k.AuthType == AuthAuto && k.KubeconfigPath != "":
		return kubeclient.Find(k.KubeconfigPath, userAgent, k.Timeout)
	case k.AuthType == AuthServiceAccount, k.AuthType == AuthAuto:
		cfg, err := rest.InClusterConfig()
		switch {
		case k.AuthType == AuthAuto && errors.Is(err, rest.ErrNotInCluster):
			return kubeclient.Server{}, errNoKubernetesConfig
		case err != nil:
			return kubeclient.Server{}, fmt.Errorf("load in-cluster ServiceAccount credentials: %w", err)
		}
		cfg.UserAgent = userAgent
		cfg.Timeout = k.Timeout
		return kubeclient.Server{Config: cfg, Origin: "in-cluster ServiceAccount"}, nil
	default:
		return kubeclient.Server{}, fmt.Errorf("kubernetes.auth_type %q does not read the cluster", k.AuthType)
	}
}
