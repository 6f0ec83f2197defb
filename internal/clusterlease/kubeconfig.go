package clusterlease

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// errNoKubernetes: nothing says where an API server is (a host outside a
// cluster without a kubeconfig): cluster-scoped data is collected locally.
var errNoKubernetes = errors.New("no Kubernetes config: not in a pod, no cluster_scope.kubeconfig, $KUBECONFIG unset")

// restConfig finds credentials the way the kube_objects receiver does: the
// configured kubeconfig, else the pod's ServiceAccount, else $KUBECONFIG
// (never ~/.kube/config: a collector on a workstation must not coordinate
// through whatever cluster kubectl points at).
func restConfig(kubeconfig string) (*rest.Config, string, error) {
	if kubeconfig != "" {
		cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig}, &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			return nil, "", fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
		}
		return cfg, "kubeconfig " + kubeconfig, nil
	}
	cfg, err := rest.InClusterConfig()
	switch {
	case err == nil:
		return cfg, "in-cluster ServiceAccount", nil
	case !errors.Is(err, rest.ErrNotInCluster):
		return nil, "", fmt.Errorf("load in-cluster credentials: %w", err)
	}
	env := os.Getenv("KUBECONFIG")
	if env == "" {
		return nil, "", errNoKubernetes
	}
	cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(env)}, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("load $KUBECONFIG %s: %w", env, err)
	}
	return cfg, "$KUBECONFIG " + env, nil
}
