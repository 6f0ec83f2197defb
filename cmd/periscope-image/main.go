// Command periscope-image writes the distribution's container image as an
// OCI image layout tar, without a registry or a container engine (make
// image): periscope-linux from the Linux binary, periscope-windows from the
// Windows one.
//
//	periscope-image -os linux -bin _build/otelcol-periscope -ref periscope-linux:0.1.0 -o _build/periscope-linux.tar
//
// Load it with `ctr -n k8s.io images import`, `docker load` or
// `podman load`; deployment/Dockerfile builds the Linux image for users of
// Docker.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/periscope-otel/periscope/internal/image"
)

func main() {
	goos := flag.String("os", "linux", "the image's OS: linux (periscope-linux) or windows (periscope-windows)")
	arch := flag.String("arch", "amd64", "the binary's architecture (GOARCH)")
	bin := flag.String("bin", "", "the distribution binary built for -os (required)")
	ref := flag.String("ref", "", "the image's name and tag, e.g. periscope-linux:0.1.0 (required)")
	out := flag.String("o", "", "the tar file to write (required)")
	root := flag.String("root", ".", "the repository, where the shipped configs are read")
	flag.Parse()
	if *bin == "" || *ref == "" || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*goos, *arch, *bin, *ref, *out, *root); err != nil {
		fmt.Fprintln(os.Stderr, "periscope-image:", err)
		os.Exit(1)
	}
}

func run(goos, arch, bin, ref, out, root string) error {
	spec, err := image.Periscope(goos, bin, root)
	if err != nil {
		return err
	}
	spec.Architecture = arch
	img, err := image.Build(spec)
	if err != nil {
		return err
	}
	if err := image.WriteFile(out, ref, img); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	full, _, _ := image.Normalize(ref)
	abs, _ := filepath.Abs(out)
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Printf("==> %s: %s (%s/%s, %s, %.1f MB)\n", abs, full, goos, arch, digest, float64(fi.Size())/1e6)
	return nil
}
