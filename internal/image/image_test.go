package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ ref, full, tag, err string }{
		{ref: "periscope-linux:0.1.0", full: "docker.io/library/periscope-linux:0.1.0", tag: "0.1.0"},
		{ref: "aks/periscope:1", full: "docker.io/aks/periscope:1", tag: "1"},
		{ref: "localhost/aks/periscope:0.1.0-dev", full: "localhost/aks/periscope:0.1.0-dev", tag: "0.1.0-dev"},
		{ref: "mcr.microsoft.com/aks/periscope:0.0.13", full: "mcr.microsoft.com/aks/periscope:0.0.13", tag: "0.0.13"},
		{ref: "localhost:5000/periscope:2", full: "localhost:5000/periscope:2", tag: "2"},
		{ref: "periscope-linux", err: "has no tag"},
		{ref: "localhost:5000/periscope", err: "has no tag"},
		{ref: "periscope-linux:", err: "has no tag"},
		{ref: "Periscope:1", err: "lower case"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			full, tag, err := Normalize(tc.ref)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.full, full)
			assert.Equal(t, tc.tag, tag)
		})
	}
}

func ExampleNormalize() {
	full, tag, _ := Normalize("periscope-linux:0.1.0")
	fmt.Println(full, tag)
	// Output: docker.io/library/periscope-linux:0.1.0 0.1.0
}

// A normalized name normalizes to itself.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"periscope-linux:1", "localhost/aks/periscope:0.1.0", "a/b/c:d", ":", "x:y/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		full, tag, err := Normalize(ref)
		if err != nil {
			return
		}
		again, tag2, err := Normalize(full)
		if err != nil || again != full || tag2 != tag {
			t.Fatalf("Normalize(%q) = %q, %q; again: %q, %q, %v", ref, full, tag, again, tag2, err)
		}
	})
}

// archive is a written image tar, read back.
type archive struct {
	files map[string][]byte
	index v1.IndexManifest
}

func readArchive(t *testing.T, data []byte) archive {
	t.Helper()
	a := archive{files: map[string][]byte{}}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			require.NoError(t, err)
			a.files[h.Name] = b
		}
	}
	require.NoError(t, json.Unmarshal(a.files["index.json"], &a.index))
	return a
}

func (a archive) blob(t *testing.T, h v1.Hash) []byte {
	t.Helper()
	b, ok := a.files["blobs/sha256/"+h.Hex]
	require.True(t, ok, "blob %s missing", h)
	sum := sha256.Sum256(b)
	require.Equal(t, h.Hex, hex.EncodeToString(sum[:]), "blob %s holds other content", h)
	return b
}

// layerEntries reads the layer of a one-layer image: name → header.
func (a archive) layerEntries(t *testing.T) (map[string]*tar.Header, map[string][]byte) {
	t.Helper()
	var m v1.Manifest
	require.NoError(t, json.Unmarshal(a.blob(t, a.index.Manifests[0].Digest), &m))
	require.Len(t, m.Layers, 1)
	zr, err := gzip.NewReader(bytes.NewReader(a.blob(t, m.Layers[0].Digest)))
	require.NoError(t, err)
	headers, contents := map[string]*tar.Header{}, map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		headers[h.Name] = h
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		contents[h.Name] = b
	}
	return headers, contents
}

func (a archive) config(t *testing.T) v1.ConfigFile {
	t.Helper()
	var m v1.Manifest
	require.NoError(t, json.Unmarshal(a.blob(t, a.index.Manifests[0].Digest), &m))
	var cfg v1.ConfigFile
	require.NoError(t, json.Unmarshal(a.blob(t, m.Config.Digest), &cfg))
	return cfg
}

func writeImage(t *testing.T, ref string, s Spec) []byte {
	t.Helper()
	img, err := Build(s)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, ref, img))
	return buf.Bytes()
}

// The archive is an OCI image layout (every blob under its digest, the
// index annotated with the names containerd and OCI tools read) and
// Docker's manifest.json names the same config and layer.
func TestWriteIsAnOCILayoutAndADockerArchive(t *testing.T) {
	src := filepath.Join(t.TempDir(), "bin")
	require.NoError(t, os.WriteFile(src, []byte("#!binary"), 0o600))
	data := writeImage(t, "localhost/aks/periscope:0.1.0", Spec{
		OS: "linux", Architecture: "amd64",
		Files: []File{
			{Path: "otelcol-periscope", Source: src, Mode: 0o755},
			{Path: "etc/otelcol-periscope/a.yaml", Data: []byte("a: 1\n"), Mode: 0o644},
			{Path: "tmp", Dir: true, Mode: 0o1777},
		},
		Entrypoint: []string{"/otelcol-periscope"}, Cmd: []string{"--config", "/etc/otelcol-periscope/a.yaml"}, User: "0",
	})
	a := readArchive(t, data)
	assert.JSONEq(t, `{"imageLayoutVersion":"1.0.0"}`, string(a.files["oci-layout"]))
	require.Len(t, a.index.Manifests, 1)
	assert.Equal(t, map[string]string{
		"io.containerd.image.name":          "localhost/aks/periscope:0.1.0",
		"org.opencontainers.image.ref.name": "0.1.0",
	}, a.index.Manifests[0].Annotations)

	var docker []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	require.NoError(t, json.Unmarshal(a.files["manifest.json"], &docker))
	require.Len(t, docker, 1)
	assert.Equal(t, []string{"localhost/aks/periscope:0.1.0"}, docker[0].RepoTags)
	var m v1.Manifest
	require.NoError(t, json.Unmarshal(a.blob(t, a.index.Manifests[0].Digest), &m))
	assert.Equal(t, "blobs/sha256/"+m.Config.Digest.Hex, docker[0].Config)
	assert.Equal(t, []string{"blobs/sha256/" + m.Layers[0].Digest.Hex}, docker[0].Layers)

	cfg := a.config(t)
	assert.Equal(t, "linux", cfg.OS)
	assert.Equal(t, []string{"/otelcol-periscope"}, cfg.Config.Entrypoint)
	assert.Equal(t, "0", cfg.Config.User)

	headers, contents := a.layerEntries(t)
	assert.Equal(t, "#!binary", string(contents["otelcol-periscope"]))
	assert.Equal(t, int64(0o755), headers["otelcol-periscope"].Mode)
	assert.Contains(t, headers, "etc/")
	assert.Contains(t, headers, "etc/otelcol-periscope/")
	assert.Equal(t, int64(0o1777), headers["tmp/"].Mode)
	for name, h := range headers {
		assert.Equal(t, int64(0), h.ModTime.Unix(), "%s: timestamps are the epoch", name)
	}
}

// The same files make the same image, byte for byte.
func TestBuildIsReproducible(t *testing.T) {
	s := Spec{OS: "linux", Architecture: "amd64", Files: []File{{Path: "x", Data: []byte("x"), Mode: 0o644}}}
	assert.Equal(t, writeImage(t, "x:1", s), writeImage(t, "x:1", s))
}

// A Windows layer keeps its files under Files/ beside Hives/, each entry
// carrying the security descriptor that lets Windows run it.
func TestWindowsLayerFormat(t *testing.T) {
	a := readArchive(t, writeImage(t, "periscope-windows:1", Spec{
		OS: "windows", Architecture: "amd64",
		Files:      []File{{Path: "otelcol-periscope.exe", Data: []byte("MZ"), Mode: 0o755}, {Path: "etc/otelcol-periscope/a.yaml", Data: []byte("a"), Mode: 0o644}},
		Entrypoint: []string{"otelcol-periscope.exe"},
	}))
	assert.Equal(t, "windows", a.config(t).OS)
	headers, contents := a.layerEntries(t)
	var names []string
	for name, h := range headers {
		names = append(names, name)
		assert.Equal(t, windowsFileSD, h.PAXRecords["MSWINDOWS.rawsd"], name)
	}
	assert.ElementsMatch(t, []string{"Files/", "Hives/", "Files/otelcol-periscope.exe", "Files/etc/", "Files/etc/otelcol-periscope/", "Files/etc/otelcol-periscope/a.yaml"}, names)
	assert.Equal(t, "MZ", string(contents["Files/otelcol-periscope.exe"]))
}

func TestBuildRefusesPathsOutsideTheImage(t *testing.T) {
	for _, p := range []string{"/etc/x", "../x", "a/../../x", "", "a//b"} {
		_, err := Build(Spec{OS: "linux", Architecture: "amd64", Files: []File{{Path: p, Data: []byte("x")}}})
		assert.ErrorContains(t, err, "must be clean", p)
	}
}

func repoRoot() string { return filepath.Join("..", "..") }

// dockerfile is what a Dockerfile of deployment/ copies and runs.
type dockerfile struct {
	copies     map[string]string // destination → source
	entrypoint []string
	cmd        []string
	user       string
}

func readDockerfile(t *testing.T, name string) dockerfile {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(), "deployment", name))
	require.NoError(t, err)
	defer f.Close()
	d := dockerfile{copies: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		rest := strings.TrimSpace(strings.TrimPrefix(sc.Text(), fields[0]))
		switch fields[0] {
		case "COPY":
			require.Len(t, fields, 3, "COPY with one source: %s", sc.Text())
			d.copies[strings.TrimPrefix(fields[2], "/")] = fields[1]
		case "ENTRYPOINT":
			require.NoError(t, json.Unmarshal([]byte(rest), &d.entrypoint), sc.Text())
		case "CMD":
			require.NoError(t, json.Unmarshal([]byte(rest), &d.cmd), sc.Text())
		case "USER":
			d.user = rest
		}
	}
	require.NoError(t, sc.Err())
	return d
}

// The registry-less images and deployment/'s Dockerfiles hold the same
// files of the repository at the same places and start the same way.
func TestPeriscopeMatchesTheDockerfiles(t *testing.T) {
	for _, tc := range []struct{ goos, dockerfile, binary string }{
		{"linux", "Dockerfile", "_build/otelcol-periscope"},
		{"windows", "Dockerfile.windows", "_build/otelcol-periscope.exe"},
	} {
		t.Run(tc.goos, func(t *testing.T) {
			const bin = "/build/the-binary"
			s, err := Periscope(tc.goos, bin, repoRoot())
			require.NoError(t, err)
			d := readDockerfile(t, tc.dockerfile)
			fromSpec := map[string]string{}
			for _, f := range s.Files {
				switch {
				case f.Source == bin:
					fromSpec[f.Path] = tc.binary
				case f.Source != "":
					rel, err := filepath.Rel(repoRoot(), f.Source)
					require.NoError(t, err)
					fromSpec[f.Path] = filepath.ToSlash(rel)
				}
			}
			assert.Equal(t, d.copies, fromSpec, "COPY lines of deployment/%s and the files of image.Periscope(%s)", tc.dockerfile, tc.goos)
			assert.Equal(t, d.entrypoint, s.Entrypoint)
			assert.Equal(t, d.cmd, s.Cmd)
			assert.Equal(t, d.user, s.User)
			for _, f := range s.Files {
				if f.Source != "" && f.Source != bin {
					_, err := os.Stat(f.Source)
					assert.NoError(t, err, "the %s image's %s", tc.goos, f.Path)
				}
			}
		})
	}
}

// The Linux image trusts the public roots (an upload to Azure Blob Storage
// verifies its server against them).
func TestPeriscopeLinuxCarriesRootCertificates(t *testing.T) {
	s, err := Periscope("linux", "x", repoRoot())
	require.NoError(t, err)
	var bundlePEM []byte
	for _, f := range s.Files {
		if f.Path == caBundle {
			bundlePEM = f.Data
		}
	}
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(bundlePEM))
	n := 0
	for rest := bundlePEM; ; n++ {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		_, err := x509.ParseCertificate(b.Bytes)
		require.NoError(t, err)
	}
	assert.Greater(t, n, 100, "Mozilla's store has well over 100 roots")
}

func TestPeriscopeKnowsTwoOSes(t *testing.T) {
	_, err := Periscope("darwin", "x", repoRoot())
	assert.ErrorContains(t, err, `no Periscope image for "darwin"`)
}
