package helmrelease

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

// words are runs of letters and digits long enough to be a credential.
var words = regexp.MustCompile(`[A-Za-z0-9]{8,}`)

// ownWords are the long words Decode's messages may hold whatever the input.
var ownWords = "decompressed last_deployed appVersion namespace metadata helmrelease"

// FuzzDecode feeds arbitrary JSON through Helm's encoding (gzip or not, so
// the fuzzer reaches the JSON layer) and arbitrary bytes as they are. No
// input panics; an accepted one has a name and a positive revision; an
// error never quotes the input (it could quote a credential from the
// values).
func FuzzDecode(f *testing.F) {
	f.Add([]byte(releaseJSON), true)
	f.Add([]byte(`{"name":"x","version":1,"info":{"status":"failed"}}`), false)
	f.Add([]byte(`{"name":"x","version":1,"config":{"name":"y"}}`), true)
	f.Add([]byte("H4sIAAAAAAAA/w=="), false)
	f.Fuzz(func(t *testing.T, in []byte, wrap bool) {
		data := in
		if wrap {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			_, _ = zw.Write(in)
			_ = zw.Close()
			data = []byte(base64.StdEncoding.EncodeToString(z.Bytes()))
		}
		r, err := Decode(data)
		if err != nil {
			if r != (Release{}) {
				t.Fatalf("error %v with a non-empty release %+v", err, r)
			}
			for _, w := range words.FindAllString(string(in), -1) {
				if strings.Contains(err.Error(), w) && !strings.Contains(ownWords, w) {
					t.Fatalf("error %q quotes the input (%q)", err, w)
				}
			}
			return
		}
		if r.Name == "" || r.Revision < 1 {
			t.Fatalf("accepted a release without name or revision: %+v", r)
		}
	})
}
