// Package helmrelease decodes the release records Helm 3 keeps in
// Kubernetes Secrets (type helm.sh/release.v1, label owner=helm), keeping
// only what identifies a release revision: name, namespace, chart, versions,
// revision, status and when it was last deployed.
//
// The record is the JSON of Helm's release object, gzip-compressed (Helm
// before 3.0 beta wrote it uncompressed), base64-encoded, stored under the
// Secret's "release" key. It also holds the user-supplied values, the
// rendered manifest and the hooks, which often contain credentials; Decode
// never returns them, and Release has no field that could carry them.
//
// Hand-written on purpose: the format is three well-defined layers, while
// helm.sh/helm/v3 (v3.22.0) brings 43 direct and 133 indirect module
// requirements (ORAS, sprig, the API server's libraries) into the
// collector's build for one decoding function.
package helmrelease

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Facts of Helm's Secret storage driver.
const (
	// SecretType is the type of every Secret Helm 3 stores a release in.
	SecretType = "helm.sh/release.v1"
	// OwnerSelector selects Helm's release Secrets (and ConfigMaps).
	OwnerSelector = "owner=helm"
	// DataKey is the Secret data key holding the encoded release.
	DataKey = "release"
	// Labels Helm puts on a release Secret.
	LabelName    = "name"
	LabelVersion = "version"
	LabelStatus  = "status"
)

// MaxDecoded bounds the decompressed JSON. A Secret holds at most 1 MiB;
// Helm's JSON compresses about tenfold, so a real release stays far below,
// and a gzip bomb stops here instead of exhausting the collector's memory.
const MaxDecoded = 64 << 20

// gzipMagic starts every gzip stream (RFC 1952: ID1 ID2 CM=deflate).
var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// Release is one revision of a Helm release, without its values, manifest,
// hooks, notes or chart files.
type Release struct {
	Name         string
	Namespace    string // as recorded in the release; may be empty in old records
	Revision     int
	Status       string // deployed, failed, pending-upgrade, superseded…
	Chart        string
	ChartVersion string
	AppVersion   string
	Updated      time.Time // info.last_deployed; zero when absent
}

// wire is the subset of Helm's release JSON that Decode reads. Every other
// member (config, manifest, hooks, chart.values, chart.templates…) is
// skipped by the JSON decoder without being kept.
type wire struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Version   int    `json:"version"`
	Info      *struct {
		LastDeployed time.Time `json:"last_deployed"`
		Status       string    `json:"status"`
	} `json:"info"`
	Chart *struct {
		Metadata *struct {
			Name       string `json:"name"`
			Version    string `json:"version"`
			AppVersion string `json:"appVersion"`
		} `json:"metadata"`
	} `json:"chart"`
}

// Decode decodes the value of a release Secret's "release" key (base64
// text, as the API server returns it once its own base64 is undone). Errors
// say which layer is broken; none quotes the content.
func Decode(data []byte) (Release, error) { return decode(data, MaxDecoded) }

// decode is Decode with the bound on the decompressed size as a parameter.
func decode(data []byte, limit int) (Release, error) {
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(raw, data)
	if err != nil {
		return Release{}, fmt.Errorf("base64: %w", err)
	}
	raw = raw[:n]
	js := raw
	if bytes.HasPrefix(raw, gzipMagic) {
		if js, err = gunzip(raw, limit); err != nil {
			return Release{}, err
		}
	}
	var w wire
	if err := json.Unmarshal(js, &w); err != nil {
		return Release{}, fmt.Errorf("JSON: %w", scrubJSONError(err))
	}
	if w.Name == "" {
		return Release{}, errors.New("JSON: no release name")
	}
	if w.Version < 1 {
		return Release{}, fmt.Errorf("JSON: revision %d, want 1 or more", w.Version)
	}
	r := Release{Name: w.Name, Namespace: w.Namespace, Revision: w.Version}
	if w.Info != nil {
		r.Status = w.Info.Status
		r.Updated = w.Info.LastDeployed
	}
	if w.Chart != nil && w.Chart.Metadata != nil {
		r.Chart = w.Chart.Metadata.Name
		r.ChartVersion = w.Chart.Metadata.Version
		r.AppVersion = w.Chart.Metadata.AppVersion
	}
	return r, nil
}

func gunzip(b []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	// Helm's JSON is usually ~10x its compressed size; start there.
	var out bytes.Buffer
	out.Grow(min(10*len(b), limit))
	n, err := io.Copy(&out, io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if n > int64(limit) {
		return nil, fmt.Errorf("gzip: more than %d bytes decompressed", limit)
	}
	return out.Bytes(), nil
}

// scrubJSONError keeps the decoder's position and type mismatch but drops
// quoted input: a syntax error's message can quote a character of the
// values, a type error names the member and the expected type only.
func scrubJSONError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("member %q is a JSON %s, want %s", typ.Field, typ.Value, typ.Type)
	}
	var tm *time.ParseError
	if errors.As(err, &tm) {
		return errors.New("info.last_deployed is not an RFC 3339 time")
	}
	return errors.New("invalid JSON")
}
