// Package image builds container images without a registry or a container
// engine: one layer made from files on this machine, written as an OCI
// image layout in a tar file. The archive also carries Docker's
// manifest.json, so `ctr images import`, `docker load` and `podman load`
// read it alike.
//
// Images are reproducible: every timestamp is Spec.Created (the Unix epoch
// unless set), owners are root, modes are the Spec's; the same files give
// the same digest.
package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// File is one entry of the image's layer.
type File struct {
	// Path in the image, slash-separated, without a leading slash
	// ("etc/otelcol-periscope/daemonset.yaml").
	Path string
	// Source is the file on this machine to copy; Data is used instead
	// when Source is empty. A File with neither and Dir set is a directory.
	Source string
	Data   []byte
	Dir    bool
	Mode   int64
}

// Spec is what an image holds and how it starts.
type Spec struct {
	OS, Architecture string
	Files            []File
	Entrypoint, Cmd  []string
	Env              []string
	User             string
	WorkingDir       string
	// Created stamps the config and every layer entry; zero is the Unix
	// epoch, so the digest depends on the contents only.
	Created time.Time
}

// windowsFileSD is the security descriptor Windows needs on an image's
// files to run them (owner and group BUILTIN\Users, "O:BUG:BU"), as the
// PAX record MSWINDOWS.rawsd: the value ko and go-containerregistry's crane
// write for the same purpose.
const windowsFileSD = "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA=="

// Build makes the image of s: one gzip layer (fastest level), OCI media
// types.
func Build(s Spec) (v1.Image, error) {
	if s.OS == "" || s.Architecture == "" {
		return nil, errors.New("image: OS and Architecture are required")
	}
	created := s.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	created = created.UTC()
	for _, f := range s.Files {
		if f.Path == "" || strings.HasPrefix(f.Path, "/") || path.Clean(f.Path) != f.Path || strings.HasPrefix(f.Path, "../") {
			return nil, fmt.Errorf("image: file path %q must be clean, relative and inside the image", f.Path)
		}
		if f.Source != "" {
			if _, err := os.Stat(f.Source); err != nil {
				return nil, fmt.Errorf("image: %s for %s: %w", f.Source, f.Path, err)
			}
		}
	}
	opener := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeLayer(pw, s.OS, s.Files, created)) }()
		return pr, nil
	}
	layer, err := tarball.LayerFromOpener(opener, tarball.WithCompressedCaching, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("image: layer: %w", err)
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:     layer,
		History:   v1.History{Created: v1.Time{Time: created}, CreatedBy: "otelcol-periscope internal/image", Comment: "the distribution binary and its configs"},
		MediaType: types.OCILayer,
	})
	if err != nil {
		return nil, fmt.Errorf("image: append layer: %w", err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image: config: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = s.OS, s.Architecture
	cfg.Created = v1.Time{Time: created}
	cfg.Config.Entrypoint = slices.Clone(s.Entrypoint)
	cfg.Config.Cmd = slices.Clone(s.Cmd)
	cfg.Config.Env = slices.Clone(s.Env)
	cfg.Config.User = s.User
	cfg.Config.WorkingDir = s.WorkingDir
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("image: set config: %w", err)
	}
	return img, nil
}

// writeLayer writes the layer's tar: files in the order given, parent
// directories first (mode 0755). Windows layers keep their files under
// Files/ beside an empty Hives/, as Windows' image format wants, each entry
// with the security descriptor that makes it runnable.
func writeLayer(w io.Writer, goos string, files []File, created time.Time) error {
	tw := tar.NewWriter(w)
	prefix := ""
	hdr := func(h *tar.Header) *tar.Header {
		h.ModTime, h.Uname, h.Gname = created, "root", "root"
		h.Name = prefix + h.Name
		if goos == "windows" {
			h.Format = tar.FormatPAX
			h.PAXRecords = map[string]string{"MSWINDOWS.rawsd": windowsFileSD}
		}
		return h
	}
	if goos == "windows" {
		for _, d := range []string{"Files", "Hives"} {
			if err := tw.WriteHeader(hdr(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o555})); err != nil {
				return err
			}
		}
		prefix = "Files/"
	}
	written := map[string]bool{}
	var dir func(p string) error
	dir = func(p string) error {
		if p == "." || written[p] {
			return nil
		}
		if err := dir(path.Dir(p)); err != nil {
			return err
		}
		written[p] = true
		return tw.WriteHeader(hdr(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: 0o755}))
	}
	for _, f := range files {
		if err := dir(path.Dir(f.Path)); err != nil {
			return err
		}
		if f.Dir {
			written[f.Path] = true
			if err := tw.WriteHeader(hdr(&tar.Header{Typeflag: tar.TypeDir, Name: f.Path + "/", Mode: f.Mode})); err != nil {
				return err
			}
			continue
		}
		if err := writeFile(tw, f, hdr); err != nil {
			return err
		}
	}
	return tw.Close()
}

// writeFile writes one regular file of the layer.
func writeFile(tw *tar.Writer, f File, hdr func(*tar.Header) *tar.Header) error {
	var r io.Reader = bytes.NewReader(f.Data)
	size := int64(len(f.Data))
	if f.Source != "" {
		src, err := os.Open(f.Source)
		if err != nil {
			return err
		}
		defer src.Close()
		fi, err := src.Stat()
		if err != nil {
			return err
		}
		r, size = src, fi.Size()
	}
	if err := tw.WriteHeader(hdr(&tar.Header{Typeflag: tar.TypeReg, Name: f.Path, Mode: f.Mode, Size: size})); err != nil {
		return err
	}
	n, err := io.Copy(tw, r)
	if err != nil {
		return fmt.Errorf("copy %s: %w", f.Path, err)
	}
	if n != size {
		return fmt.Errorf("copy %s: %d bytes, expected %d (changed while the image was built)", f.Path, n, size)
	}
	return nil
}

// WriteFile writes img to file as an OCI image layout in a tar, named ref
// ("periscope-linux:0.1.0", "localhost/aks/periscope:0.1.0"), written to a
// temporary file beside it and renamed into place.
func WriteFile(file, ref string, img v1.Image) (err error) {
	f, err := os.CreateTemp(path.Dir(file), ".image-*.tar")
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := Write(f, ref, img); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("image: write %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), file); err != nil {
		return fmt.Errorf("image: %w", err)
	}
	return nil
}

// Write writes img to w as an OCI image layout tar named ref: oci-layout,
// index.json (annotated with the full name, which containerd imports, and
// the tag), the blobs, and Docker's manifest.json.
func Write(w io.Writer, ref string, img v1.Image) error {
	full, tag, err := Normalize(ref)
	if err != nil {
		return err
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return fmt.Errorf("image: manifest: %w", err)
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("image: config: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("image: digest: %w", err)
	}
	configName, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("image: config digest: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("image: layers: %w", err)
	}
	index, err := json.Marshal(v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: types.OCIManifestSchema1,
			Size:      int64(len(manifest)),
			Digest:    digest,
			Annotations: map[string]string{
				"io.containerd.image.name":          full,
				"org.opencontainers.image.ref.name": tag,
			},
		}},
	})
	if err != nil {
		return fmt.Errorf("image: index: %w", err)
	}
	blob := func(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }
	docker := []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}{{Config: blob(configName), RepoTags: []string{familiar(full)}}}

	tw := tar.NewWriter(w)
	epoch := time.Unix(0, 0)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: epoch}); err != nil {
			return fmt.Errorf("image: write %s: %w", name, err)
		}
		_, err := tw.Write(data)
		return err
	}
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: epoch}); err != nil {
			return fmt.Errorf("image: %w", err)
		}
	}
	if err := add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := add(blob(configName), config); err != nil {
		return err
	}
	for _, l := range layers {
		if err := writeLayerBlob(tw, l, blob, epoch); err != nil {
			return err
		}
		d, _ := l.Digest()
		docker[0].Layers = append(docker[0].Layers, blob(d))
	}
	if err := add(blob(digest), manifest); err != nil {
		return err
	}
	dockerJSON, err := json.Marshal(docker)
	if err != nil {
		return fmt.Errorf("image: manifest.json: %w", err)
	}
	if err := add("manifest.json", dockerJSON); err != nil {
		return err
	}
	if err := add("index.json", index); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("image: %w", err)
	}
	return nil
}

func writeLayerBlob(tw *tar.Writer, l v1.Layer, blob func(v1.Hash) string, mtime time.Time) error {
	d, err := l.Digest()
	if err != nil {
		return fmt.Errorf("image: layer digest: %w", err)
	}
	size, err := l.Size()
	if err != nil {
		return fmt.Errorf("image: layer size: %w", err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("image: layer: %w", err)
	}
	defer rc.Close()
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: blob(d), Mode: 0o644, Size: size, ModTime: mtime}); err != nil {
		return fmt.Errorf("image: write layer: %w", err)
	}
	if _, err := io.Copy(tw, rc); err != nil {
		return fmt.Errorf("image: write layer: %w", err)
	}
	return nil
}

// Normalize returns ref's full name as containerd and the kubelet spell
// it ("periscope-linux:1" is "docker.io/library/periscope-linux:1",
// "localhost/aks/periscope:1" stays) and its tag. A ref needs a tag.
func Normalize(ref string) (full, tag string, err error) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") || i == len(ref)-1 {
		return "", "", fmt.Errorf("image: reference %q has no tag (name:tag)", ref)
	}
	name, tag := ref[:i], ref[i+1:]
	if name == "" || strings.ContainsAny(name, " @") || strings.ToLower(name) != name {
		return "", "", fmt.Errorf("image: reference %q: the name must be lower case without spaces or a digest", ref)
	}
	first, _, hasSlash := strings.Cut(name, "/")
	switch {
	case !hasSlash:
		name = "docker.io/library/" + name
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		name = "docker.io/" + name
	}
	return name + ":" + tag, tag, nil
}

// familiar is full as Docker shows it (docker.io/library/ dropped).
func familiar(full string) string {
	if s, ok := strings.CutPrefix(full, "docker.io/library/"); ok {
		return s
	}
	if s, ok := strings.CutPrefix(full, "docker.io/"); ok {
		return s
	}
	return full
}
