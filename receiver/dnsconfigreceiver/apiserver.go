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

// findAPIServer finds the API server the way every cluster receiver does
// (internal/kubeclient), as auth_type says. auto prefers a configured
// kubeconfig (the operator's explicit choice), then the pod's
// ServiceAccount. Unlike kube_objects it never falls back to $KUBECONFIG
// (nor ~/.kube/config): dns_config runs in the local default, and `make run`
// on a workstation must not read whatever cluster kubectl points at.
func findAPIServer(k KubernetesConfig) (kubeclient.Server, error) {
	switch k.AuthType {
	case AuthKubeConfig:
		return kubeclient.Find(k.KubeconfigPath, userAgent, k.Timeout)
	case AuthAuto, AuthServiceAccount:
		if k.AuthType == AuthAuto && k.KubeconfigPath != "" {
			return kubeclient.Find(k.KubeconfigPath, userAgent, k.Timeout)
		}
		s, err := kubeclient.FindWithoutKubeconfigEnv("", userAgent, k.Timeout)
		if errors.Is(err, kubeclient.ErrNoAPIServer) {
			if k.AuthType == AuthAuto {
				return s, errNoKubernetesConfig // outside a cluster: skipped, not failed
			}
			return s, fmt.Errorf("load in-cluster ServiceAccount credentials: %w", rest.ErrNotInCluster)
		}
		return s, err
	default:
		return kubeclient.Server{}, fmt.Errorf("kubernetes.auth_type %q does not read the cluster", k.AuthType)
	}
}
