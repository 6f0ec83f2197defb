package helmrelease

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encode stores release JSON as Helm 3's Secret driver does: gzip, then
// base64 (the API server adds its own base64 on the wire).
func encode(tb testing.TB, js string) []byte {
	tb.Helper()
	var z bytes.Buffer
	zw, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
	require.NoError(tb, err)
	_, err = zw.Write([]byte(js))
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return []byte(base64.StdEncoding.EncodeToString(z.Bytes()))
}

// plain stores release JSON as Helm 3 betas did: base64 without gzip.
func plain(js string) []byte { return []byte(base64.StdEncoding.EncodeToString([]byte(js))) }

// fakePassword sits in every place of the fixture that may hold
// credentials (user values, chart defaults, manifest, hooks, notes).
const fakePassword = "hunter2-fake-password"

// releaseJSON is shaped as Helm 3.22 writes a release (members abridged).
var releaseJSON = `{
  "name": "shop-db",
  "info": {
    "first_deployed": "2026-11-01T10:00:00.123456789Z",
    "last_deployed": "2026-11-28T09:30:15.5Z",
    "deleted": "",
    "description": "Upgrade complete",
    "status": "deployed",
    "notes": "admin password: ` + fakePassword + `"
  },
  "chart": {
    "metadata": {"name": "postgresql", "version": "15.5.2", "appVersion": "16.3.0", "apiVersion": "v2"},
    "lock": null,
    "templates": [{"name": "templates/secret.yaml", "data": "cGFzc3dvcmQ="}],
    "values": {"auth": {"postgresPassword": "` + fakePassword + `"}},
    "schema": null,
    "files": []
  },
  "config": {"auth": {"postgresPassword": "` + fakePassword + `"}},
  "manifest": "apiVersion: v1\nkind: Secret\nstringData:\n  password: ` + fakePassword + `\n",
  "hooks": [{"name": "init", "manifest": "password: ` + fakePassword + `"}],
  "version": 7,
  "namespace": "shop"
}`

var wantRelease = Release{
	Name: "shop-db", Namespace: "shop", Revision: 7, Status: "deployed",
	Chart: "postgresql", ChartVersion: "15.5.2", AppVersion: "16.3.0",
	Updated: time.Date(2026, 11, 28, 9, 30, 15, 5e8, time.UTC),
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want Release
	}{
		{"gzip-compressed, as Helm 3 writes", encode(t, releaseJSON), wantRelease},
		{"uncompressed, as Helm 3 betas wrote", plain(releaseJSON), wantRelease},
		{
			"a failed install without chart metadata or time",
			encode(t, `{"name":"x","version":1,"info":{"status":"failed"},"chart":{}}`),
			Release{Name: "x", Revision: 1, Status: "failed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.data)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.NotContains(t, fmt.Sprintf("%#v", got), fakePassword)
		})
	}
}

func TestDecodeErrorsSayWhichLayerIsBroken(t *testing.T) {
	gz := encode(t, releaseJSON)
	raw, err := base64.StdEncoding.DecodeString(string(gz))
	require.NoError(t, err)
	truncated := []byte(base64.StdEncoding.EncodeToString(raw[:len(raw)/2]))

	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not base64", []byte("not*base64!"), "base64: illegal base64 data at input byte 3"},
		{"empty", nil, "JSON: invalid JSON at byte 0"},
		{"gzip header only", []byte(base64.StdEncoding.EncodeToString(gzipMagic)), "gzip: unexpected EOF"},
		{"truncated gzip stream", truncated, "gzip: unexpected EOF"},
		{"JSON syntax error, quoting nothing", plain(`{"name":"x","config":{"pw":"` + fakePassword + `"`), "JSON: invalid JSON at byte "},
		{"JSON of the wrong type", plain(`{"name":"x","version":"7"}`), `JSON: member "version" is a JSON string, want int`},
		{"bad time", plain(`{"name":"x","version":1,"info":{"last_deployed":"` + fakePassword + `"}}`), "JSON: info.last_deployed is not an RFC 3339 time"},
		{"no name", plain(`{"version":1}`), "JSON: no release name"},
		{"no revision", plain(`{"name":"x"}`), "JSON: revision 0, want 1 or more"},
		{"an array", plain(`[]`), `JSON: member "" is a JSON array, want helmrelease.wire`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), fakePassword)
		})
	}
}

// A gzip bomb stops at the bound instead of filling memory (Decode's
// bound is MaxDecoded; a smaller one keeps the test fast).
func TestDecodeRefusesMoreThanTheBound(t *testing.T) {
	const limit = 1 << 20
	js := `{"name":"x","version":1,"manifest":"` + strings.Repeat("a", limit) + `"}`
	data := encode(t, js)
	require.Less(t, len(data), 4<<10, "a bomb: far smaller than what it inflates to")
	_, err := decode(data, limit)
	assert.EqualError(t, err, "gzip: more than 1048576 bytes decompressed")
	_, err = decode(data, len(js))
	assert.NoError(t, err, "exactly the bound is accepted")
}

func ExampleDecode() {
	// The "release" value of a Secret sh.helm.release.v1.web.v2, uncompressed
	// for readability (Helm 3 gzips it).
	js := `{"name":"web","namespace":"shop","version":2,` +
		`"info":{"status":"deployed","last_deployed":"2026-11-28T09:30:15Z"},` +
		`"chart":{"metadata":{"name":"nginx","version":"18.1.0","appVersion":"1.27.1"}},` +
		`"config":{"basicAuth":{"password":"not-returned"}}}`
	r, err := Decode([]byte(base64.StdEncoding.EncodeToString([]byte(js))))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s/%s revision %d %s: %s-%s (app %s) at %s\n",
		r.Namespace, r.Name, r.Revision, r.Status, r.Chart, r.ChartVersion, r.AppVersion, r.Updated.Format(time.RFC3339))
	// Output:
	// shop/web revision 2 deployed: nginx-18.1.0 (app 1.27.1) at 2026-11-28T09:30:15Z
}
