package kubeapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Versions of the binaries; the client libraries in go.mod are at the same
// Kubernetes minor (k8s.io/client-go v0.37.x), so kubectl output compares.
const (
	KubeVersion = "v1.37.0"
	EtcdVersion = "v3.6.16"
)

// Binaries are the paths of the control-plane programs.
type Binaries struct {
	Etcd      string
	APIServer string
	Kubectl   string
}

// cacheRoot is where build.sh keeps its binaries ($PERISCOPE_CACHE, else
// ~/.cache/otelcol-periscope), so this package and the script agree.
func cacheRoot() (string, error) {
	if c := os.Getenv("PERISCOPE_CACHE"); c != "" {
		return c, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "otelcol-periscope"), nil
}

func binariesIn(root string) Binaries {
	kube := filepath.Join(root, "kube-"+KubeVersion)
	return Binaries{
		Etcd:      filepath.Join(root, "etcd-"+EtcdVersion, "etcd"),
		APIServer: filepath.Join(kube, "kube-apiserver"),
		Kubectl:   filepath.Join(kube, "kubectl"),
	}
}

func (b Binaries) missing() []string {
	var out []string
	for _, p := range []string{b.Etcd, b.APIServer, b.Kubectl} {
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			out = append(out, p)
		}
	}
	return out
}

// EnsureBinaries returns the cached binaries, running build.sh first when
// any is missing. progress receives the script's output (a cold build takes
// minutes, so the caller should show it). The script serialises concurrent
// builds with a lock, so several test binaries can call this at once.
func EnsureBinaries(progress io.Writer) (Binaries, error) {
	root, err := cacheRoot()
	if err != nil {
		return Binaries{}, err
	}
	bins := binariesIn(root)
	missing := bins.missing()
	if len(missing) == 0 {
		return bins, nil
	}
	script, err := buildScript()
	if err != nil {
		return Binaries{}, err
	}
	if _, err := exec.LookPath("go"); err != nil {
		return Binaries{}, fmt.Errorf("build %s: the go command is needed to build them: %w", strings.Join(missing, ", "), err)
	}
	fmt.Fprintf(progress, "kubeapi: %s missing; building with %s (about 7 min on 2 cores the first time)\n", strings.Join(missing, ", "), script)
	var tail bytes.Buffer
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "PERISCOPE_CACHE="+root, "KUBE_VERSION="+KubeVersion, "ETCD_VERSION="+EtcdVersion)
	cmd.Stdout = io.MultiWriter(progress, &tail)
	cmd.Stderr = io.MultiWriter(progress, &tail)
	if err := cmd.Run(); err != nil {
		return Binaries{}, fmt.Errorf("build Kubernetes test binaries with %s: %w; last output:\n%s", script, err, lastLines(tail.String(), 20))
	}
	if missing := bins.missing(); len(missing) > 0 {
		return Binaries{}, fmt.Errorf("%s succeeded but %s still missing", script, strings.Join(missing, ", "))
	}
	return bins, nil
}

// buildScript finds build.sh next to this source file (tests run from
// their package directory, so a relative path would not do).
func buildScript() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("locate build.sh: no caller information")
	}
	p := filepath.Join(filepath.Dir(file), "build.sh")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("locate build.sh: %w", err)
	}
	return p, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
