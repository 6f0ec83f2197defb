package kubeapi

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// KubeletBinary returns the cached kubelet, running `build.sh kubelet`
// first when it is missing (about a minute when the API server's build
// cache is warm). test/realnode runs it against containerd.
func KubeletBinary(progress io.Writer) (string, error) {
	paths, err := kubePrograms(progress, "kubelet")
	if err != nil {
		return "", err
	}
	return paths[0], nil
}

// kubePrograms returns the paths of the named Kubernetes programs in the
// cache, building the missing ones with build.sh (one wrapper module, the
// same version and ldflags as the API server).
func kubePrograms(progress io.Writer, names ...string) ([]string, error) {
	root, err := cacheRoot()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "kube-"+KubeVersion)
	paths := make([]string, len(names))
	var missing []string
	for i, name := range names {
		paths[i] = filepath.Join(dir, name)
		if fi, err := os.Stat(paths[i]); err != nil || fi.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return paths, nil
	}
	script, err := buildScript()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "kubeapi: %s missing; building with %s\n", strings.Join(missing, ", "), script)
	var tail bytes.Buffer
	cmd := exec.Command("bash", append([]string{script}, missing...)...)
	cmd.Env = append(os.Environ(), "PERISCOPE_CACHE="+root, "KUBE_VERSION="+KubeVersion)
	cmd.Stdout = io.MultiWriter(progress, &tail)
	cmd.Stderr = io.MultiWriter(progress, &tail)
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build %s with %s: %w; last output:\n%s", strings.Join(missing, ", "), script, err, lastLines(tail.String(), 20))
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s succeeded but %s is missing: %w", script, p, err)
		}
	}
	return paths, nil
}
