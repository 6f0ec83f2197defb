package connectivityreceiver

import (
	"encoding/base64"
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// kubeCluster is what the connectivity check needs from a kubeconfig: where
// the API server is and which CA signs it. Credentials are never read.
type kubeCluster struct {
	Server string
	CAData []byte // PEM, from certificate-authority-data
	CAFile string // certificate-authority, as written
}

// parseKubeconfig finds the current context's cluster. It reads only the
// few fields it needs with a YAML decoder instead of pulling in client-go
// (dozens of modules) for one URL and one CA.
func parseKubeconfig(data []byte) (kubeCluster, error) {
	var kc struct {
		CurrentContext string `yaml:"current-context"`
		Contexts       []struct {
			Name    string `yaml:"name"`
			Context struct {
				Cluster string `yaml:"cluster"`
			} `yaml:"context"`
		} `yaml:"contexts"`
		Clusters []struct {
			Name    string `yaml:"name"`
			Cluster struct {
				Server                   string `yaml:"server"`
				CertificateAuthority     string `yaml:"certificate-authority"`
				CertificateAuthorityData string `yaml:"certificate-authority-data"`
			} `yaml:"cluster"`
		} `yaml:"clusters"`
	}
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return kubeCluster{}, fmt.Errorf("not a kubeconfig: %w", err)
	}

	var clusterName string
	switch {
	case kc.CurrentContext != "":
		found := false
		for _, c := range kc.Contexts {
			if c.Name == kc.CurrentContext {
				clusterName, found = c.Context.Cluster, true
				break
			}
		}
		if !found {
			return kubeCluster{}, fmt.Errorf("current-context %q is not among its contexts", kc.CurrentContext)
		}
	case len(kc.Clusters) == 1:
		clusterName = kc.Clusters[0].Name
	default:
		return kubeCluster{}, fmt.Errorf("no current-context, and %d clusters to choose from", len(kc.Clusters))
	}

	for _, c := range kc.Clusters {
		if c.Name != clusterName {
			continue
		}
		if c.Cluster.Server == "" {
			return kubeCluster{}, fmt.Errorf("cluster %q has no server", clusterName)
		}
		if _, err := parseHTTPURL(c.Cluster.Server, ""); err != nil {
			return kubeCluster{}, fmt.Errorf("cluster %q server %q: %w", clusterName, c.Cluster.Server, err)
		}
		out := kubeCluster{Server: c.Cluster.Server, CAFile: c.Cluster.CertificateAuthority}
		if c.Cluster.CertificateAuthorityData != "" {
			pem, err := base64.StdEncoding.DecodeString(c.Cluster.CertificateAuthorityData)
			if err != nil {
				return kubeCluster{}, fmt.Errorf("cluster %q certificate-authority-data: %w", clusterName, err)
			}
			out.CAData = pem
		}
		return out, nil
	}
	if clusterName == "" {
		return kubeCluster{}, errors.New("the current context names no cluster")
	}
	return kubeCluster{}, fmt.Errorf("cluster %q is not among its clusters", clusterName)
}
