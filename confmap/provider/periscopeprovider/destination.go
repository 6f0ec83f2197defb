package periscopeprovider

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/collector/confmap"
)

// Destination settings of this project (where a run goes), read like
// Periscope's keys: the environment, else a file of the azureblob-secret
// Secret (/secret/<KEY>), else a file of the diagnostic-config ConfigMap
// (/config/<KEY>). Each is read again at every run.
const (
	// KeyBlobServiceURL replaces https://<account>.blob.<suffix> (Azurite,
	// a private endpoint with a custom name).
	KeyBlobServiceURL = "PERISCOPE_BLOB_SERVICE_URL"
	// KeyBlobEndpointSuffix is the cloud's storage suffix (sovereign
	// clouds, Azure Stack Hub); see blobEndpointSuffix for its default.
	KeyBlobEndpointSuffix = "PERISCOPE_BLOB_ENDPOINT_SUFFIX"
)

// publicStorageSuffix is Azure's public cloud storage suffix.
const publicStorageSuffix = "core.windows.net"

// azureStackCloudName is the "cloud" of azure.json on Azure Stack Hub
// (cloud-provider-azure's well-known name).
const azureStackCloudName = "AzureStackCloud"

// setting looks a destination setting up: environment, Secret, ConfigMap.
func (p *provider) setting(key string) (value string, found bool, err error) {
	v, _, found, err := p.source.LookupSecret(key)
	if err != nil || found {
		return v, found, err
	}
	v, _, found, err = p.source.Lookup(key)
	return v, found, err
}

// retrievedSetting returns a setting typed as YAML, as ${env:…} does
// ("false" is a bool for a bool field, a string field keeps the text);
// unset is empty, which leaves the field at its default.
func (p *provider) retrievedSetting(key string) (*confmap.Retrieved, error) {
	v, _, err := p.setting(key)
	if err != nil {
		return nil, err
	}
	return confmap.NewRetrievedFromYAML([]byte(strings.TrimSpace(v)))
}

// blobEndpointSuffix is PERISCOPE_BLOB_ENDPOINT_SUFFIX; unset, the suffix
// Periscope used: on Azure Stack Hub (the node's azure.json says cloud
// AzureStackCloud) the storageEndpointSuffix of its azurestackcloud.json,
// else Azure's public core.windows.net. Node files are read under
// PERISCOPE_ROOT_PATH. An Azure Stack node whose azurestackcloud.json
// cannot be read or names no suffix is a configuration error: uploading to
// the public cloud's endpoint would fail anyway, less clearly.
func (p *provider) blobEndpointSuffix() (string, error) {
	v, found, err := p.setting(KeyBlobEndpointSuffix)
	if err != nil {
		return "", err
	}
	if v = strings.Trim(strings.TrimSpace(v), "."); found && v != "" {
		return v, nil
	}
	root := "/"
	if r, ok := p.source.Env(EnvRootPath); ok && r != "" {
		root = r
	}
	return azureStackSuffix(root, azureJSONPath, azureStackCloudJSONPath)
}

// azureStackSuffix reads the suffix from the node's cloud files.
func azureStackSuffix(root, azureJSON, stackJSON string) (string, error) {
	var azure struct {
		Cloud string `json:"cloud"`
	}
	data, err := os.ReadFile(underRootFS(root, azureJSON))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return publicStorageSuffix, nil
	case err != nil:
		return "", fmt.Errorf("storage endpoint suffix: %s unset and %w", KeyBlobEndpointSuffix, err)
	}
	// An azure.json that does not parse names no cloud; Periscope took it
	// for the public cloud too.
	if json.Unmarshal(data, &azure) != nil || !strings.EqualFold(azure.Cloud, azureStackCloudName) {
		return publicStorageSuffix, nil
	}
	var stack struct {
		StorageEndpointSuffix string `json:"storageEndpointSuffix"`
	}
	data, err = os.ReadFile(underRootFS(root, stackJSON))
	if err == nil {
		err = json.Unmarshal(data, &stack)
	}
	if err != nil {
		return "", fmt.Errorf("storage endpoint suffix: %s says cloud %s, but %s: %w (or set %s)", azureJSON, azure.Cloud, stackJSON, err, KeyBlobEndpointSuffix)
	}
	suffix := strings.Trim(strings.TrimSpace(stack.StorageEndpointSuffix), ".")
	if suffix == "" {
		return "", fmt.Errorf("storage endpoint suffix: %s says cloud %s, but %s has no storageEndpointSuffix (set %s)", azureJSON, azure.Cloud, stackJSON, KeyBlobEndpointSuffix)
	}
	return suffix, nil
}

// underRootFS is a node path on the collector's filesystem: under the root
// path for Linux paths; Windows drive paths are the host's own (a
// HostProcess container sees the host's disks).
func underRootFS(root, nodePath string) string {
	p := underRoot(root, nodePath)
	return filepath.FromSlash(p)
}
