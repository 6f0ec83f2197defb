package dnsconfigreceiver

import (
	"errors"
	"fmt"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// userAgent identifies the receiver in API server audit logs.
const userAgent = "otelcol-periscope/dns_config"

// apiServer is where the ConfigMaps are read from and how.
type apiServer struct {
	config *rest.Config
	origin string // where the config came from, for error messages
}

// errNoKubernetesConfig means auth_type auto found nothing to use: a host
// outside a cluster. The cluster part is skipped, not failed.
var errNoKubernetesConfig = errors.New("no Kubernetes config: not running in a pod (KUBERNETES_SERVICE_HOST unset) and no kubernetes.kubeconfig_path configured")

// findAPIServer loads the credentials auth_type names, as kube_objects
// does (client-go's loaders; nothing parsed by hand). auto prefers a
// configured kubeconfig (the operator's explicit choice), then the pod's
// ServiceAccount. $KUBECONFIG and ~/.kube/config are never read: dns_config
// runs in the local default, and a collection on a workstation must not
// read whatever cluster kubectl points at.
func findAPIServer(k KubernetesConfig) (apiServer, error) {
	var s apiServer
	switch k.AuthType {
	case AuthKubeConfig:
		var err error
		if s, err = fromKubeconfig(k.KubeconfigPath); err != nil {
			return s, err
		}
	case AuthServiceAccount:
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return s, fmt.Errorf("load in-cluster ServiceAccount credentials: %w", err)
		}
		s = apiServer{config: cfg, origin: "in-cluster ServiceAccount"}
	case AuthAuto:
		if k.KubeconfigPath != "" {
			var err error
			if s, err = fromKubeconfig(k.KubeconfigPath); err != nil {
				return s, err
			}
			break
		}
		cfg, err := rest.InClusterConfig()
		switch {
		case errors.Is(err, rest.ErrNotInCluster):
			return s, errNoKubernetesConfig
		case err != nil:
			return s, fmt.Errorf("load in-cluster ServiceAccount credentials: %w", err)
		}
		s = apiServer{config: cfg, origin: "in-cluster ServiceAccount"}
	default:
		return s, fmt.Errorf("kubernetes.auth_type %q does not read the cluster", k.AuthType)
	}
	s.config = rest.CopyConfig(s.config)
	s.config.UserAgent = userAgent
	s.config.Timeout = k.Timeout
	return s, nil
}

func fromKubeconfig(path string) (apiServer, error) {
	// A missing file would otherwise load as an empty config and fail later
	// with client-go's "no configuration has been provided".
	if _, err := os.Stat(path); err != nil {
		return apiServer{}, fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: path}, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return apiServer{}, fmt.Errorf("load kubeconfig %s: %w", path, err)
	}
	return apiServer{config: cfg, origin: "kubeconfig " + path}, nil
}

// wrap says which server an error came from; connection errors otherwise
// name only a URL.
func (s apiServer) wrap(err error) error {
	return fmt.Errorf("API server %s (%s): %w", s.config.Host, s.origin, err)
}
