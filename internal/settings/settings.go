// Package settings reads Periscope's configuration keys the way Periscope's
// deployment provides them: environment variables, or one file per key in
// the mounted diagnostic-config ConfigMap (/config) and azureblob-secret
// Secret (/secret). Values are read again on every call, so a re-resolved
// config (a new run) sees a rotated SAS or an edited list.
package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Periscope's configuration keys (its README's names).
const (
	RunID             = "DIAGNOSTIC_RUN_ID"
	ContainerLogsList = "DIAGNOSTIC_CONTAINERLOGS_LIST"
	KubeObjectsList   = "DIAGNOSTIC_KUBEOBJECTS_LIST"
	NodeLogsLinux     = "DIAGNOSTIC_NODELOGS_LIST_LINUX"
	NodeLogsWindows   = "DIAGNOSTIC_NODELOGS_LIST_WINDOWS"
	CollectorList     = "COLLECTOR_LIST"
)

// Defaults are Periscope's documented defaults for keys that have one.
var Defaults = map[string]string{
	ContainerLogsList: "kube-system",
	KubeObjectsList:   "kube-system/pod kube-system/service kube-system/deployment",
	NodeLogsLinux:     "/var/log/azure/cluster-provision.log /var/log/cloud-init.log",
	NodeLogsWindows:   `C:\AzureData\CustomDataSetupScript.log`,
	CollectorList:     "",
}

// Environment variables that move the mounted folders (tests, other layouts).
const (
	EnvConfigDir = "PERISCOPE_CONFIG_DIR"
	EnvSecretDir = "PERISCOPE_SECRET_DIR"
)

// Source is where keys are looked up: the environment first, then the folder.
type Source struct {
	Env       func(string) (string, bool)
	ConfigDir string // the diagnostic-config ConfigMap
	SecretDir string // the azureblob-secret Secret
}

// FromEnvironment is the process's source: /config and /secret unless
// moved (on Windows, where a HostProcess container finds its volumes:
// mountedDir).
func FromEnvironment() Source {
	s := Source{Env: os.LookupEnv, ConfigDir: mountedDir("config"), SecretDir: mountedDir("secret")}
	if v, ok := os.LookupEnv(EnvConfigDir); ok && v != "" {
		s.ConfigDir = v
	}
	if v, ok := os.LookupEnv(EnvSecretDir); ok && v != "" {
		s.SecretDir = v
	}
	return s
}

// Lookup returns a key's value and where it came from ("$KEY" or the file).
// A key set nowhere is not an error: found is false.
func (s Source) Lookup(key string) (value, origin string, found bool, err error) {
	return s.lookupIn(key, s.ConfigDir)
}

// LookupSecret is Lookup for keys of the Secret.
func (s Source) LookupSecret(key string) (value, origin string, found bool, err error) {
	return s.lookupIn(key, s.SecretDir)
}

// LookupOrDefault is Lookup falling back to Periscope's default.
func (s Source) LookupOrDefault(key string) (value, origin string, err error) {
	v, origin, found, err := s.Lookup(key)
	if err != nil || found {
		return v, origin, err
	}
	return Defaults[key], "the default", nil
}

func (s Source) lookupIn(key, dir string) (string, string, bool, error) {
	if s.Env != nil {
		if v, ok := s.Env(key); ok {
			return v, "$" + key, true, nil
		}
	}
	if dir == "" {
		return "", "", false, nil
	}
	file := filepath.Join(dir, key)
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", "", false, nil
	case err != nil:
		return "", "", false, fmt.Errorf("read %s: %w", key, err)
	}
	return strings.TrimRight(string(data), "\r\n"), file, true, nil
}
