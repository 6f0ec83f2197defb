package image

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"path/filepath"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// The images' names in deployment/ (kustomize `images:` entries, which
// `az aks kollect` and the VS Code extension point at their registry).
const (
	LinuxName   = "periscope-linux"
	WindowsName = "periscope-windows"
)

// ConfigDir is where every image keeps the shipped configs.
const ConfigDir = "etc/otelcol-periscope"

// configs are the shipped configs of each OS's image, by name under
// ConfigDir, from their place in the repository: deployment/Dockerfile and
// deployment/Dockerfile.windows copy the same (image_test.go holds them
// together).
var configs = map[string][]struct{ name, source string }{
	"linux": {
		{"daemonset.yaml", "distributions/daemonset/config.yaml"},
		{"azureblob.yaml", "distributions/azureblob/config.yaml"},
		{"oneshot.yaml", "distributions/oneshot/config.yaml"},
	},
	"windows": {
		{"windows.yaml", "distributions/windows/config.yaml"},
	},
}

// caBundle is where the Linux image keeps its trusted roots: Go's default
// for Linux, distroless' path.
const caBundle = "etc/ssl/certs/ca-certificates.crt"

// Periscope is the spec of the distribution's image for goos: "linux"
// (periscope-linux, what deployment/Dockerfile builds on distroless) or
// "windows" (periscope-windows, for Windows host-process pods). binary is
// the distribution built for goos (make build, make build-windows); root is
// the repository, where the configs are read.
//
// The Linux image is the binary at /otelcol-periscope, the configs, the
// Mozilla roots of golang.org/x/crypto/x509roots/fallback as a PEM bundle
// (an upload to Azure Blob Storage needs them; the roots are the module's
// version's, not this machine's), root's passwd and group entries and
// /tmp: what the collector uses of distroless/static. It runs as user 0
// (the host root, iptables and the journal need it).
//
// The Windows image is the binary at \otelcol-periscope.exe and its config
// at \etc\otelcol-periscope\windows.yaml, in Windows' layer format, without
// a base layer: a HostProcess container runs on the node's own Windows, so
// its image needs none (Microsoft's HostProcess base, which
// deployment/Dockerfile.windows starts from, is an empty layer). Its
// entrypoint is the binary's name; the HostProcess pod of
// components/win-hpc gives the full path (%CONTAINER_SANDBOX_MOUNT_POINT%).
func Periscope(goos, binary, root string) (Spec, error) {
	var s Spec
	switch goos {
	case "linux":
		roots, err := rootsPEM()
		if err != nil {
			return Spec{}, err
		}
		s = Spec{
			OS: "linux", Architecture: "amd64",
			Files: []File{
				{Path: "otelcol-periscope", Source: binary, Mode: 0o755},
				{Path: caBundle, Data: roots, Mode: 0o644},
				{Path: "etc/passwd", Data: []byte("root:x:0:0:root:/root:/sbin/nologin\n"), Mode: 0o644},
				{Path: "etc/group", Data: []byte("root:x:0:\n"), Mode: 0o644},
				{Path: "tmp", Dir: true, Mode: 0o1777},
			},
			Entrypoint: []string{"/otelcol-periscope"},
			Cmd:        []string{"--config", "/" + ConfigDir + "/azureblob.yaml"},
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"SSL_CERT_FILE=/" + caBundle,
			},
			User: "0",
		}
	case "windows":
		s = Spec{
			OS: "windows", Architecture: "amd64",
			Files:      []File{{Path: "otelcol-periscope.exe", Source: binary, Mode: 0o755}},
			Entrypoint: []string{"otelcol-periscope.exe"},
		}
	default:
		return Spec{}, fmt.Errorf("image: no Periscope image for %q (linux, windows)", goos)
	}
	for _, c := range configs[goos] {
		s.Files = append(s.Files, File{Path: ConfigDir + "/" + c.name, Source: filepath.Join(root, filepath.FromSlash(c.source)), Mode: 0o644})
	}
	return s, nil
}

// rootsPEM is the unconstrained roots of the fallback bundle as PEM. Roots
// with a distrust date are left out: a PEM bundle cannot carry the
// constraint.
func rootsPEM() ([]byte, error) {
	var b bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		if err := pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}); err != nil {
			return nil, fmt.Errorf("image: encode a root certificate: %w", err)
		}
	}
	if b.Len() == 0 {
		return nil, fmt.Errorf("image: the fallback root bundle is empty")
	}
	return b.Bytes(), nil
}
