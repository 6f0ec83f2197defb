//go:build !windows

package periscopeprovider

// Where a Linux node keeps its cloud configuration (AKS engine, Azure
// Stack Hub), as Periscope read it.
const (
	azureJSONPath           = "/etc/kubernetes/azure.json"
	azureStackCloudJSONPath = "/etc/kubernetes/azurestackcloud.json"
)
