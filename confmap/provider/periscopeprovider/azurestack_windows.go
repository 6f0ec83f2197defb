package periscopeprovider

// Where a Windows node keeps its cloud configuration, as Periscope read it.
const (
	azureJSONPath           = `C:\k\azure.json`
	azureStackCloudJSONPath = `C:\k\azurestackcloud.json`
)
