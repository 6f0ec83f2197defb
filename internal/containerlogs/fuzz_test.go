package containerlogs

import (
	"path"
	"strings"
	"testing"
)

// FuzzParse: any entry either fails with a message naming it, or yields a
// pattern that stays inside the pods directory and whose only glob
// characters are the ones Pattern adds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"kube-system", "kube-system/tunnelfront", "a/b/c/d", "", "/", "ns/../../etc", "ns/[a]", `C:\x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entry string) {
		s, err := Parse(entry)
		if err != nil {
			if !strings.Contains(err.Error(), "container logs entry") {
				t.Fatalf("error does not name the entry: %v", err)
			}
			return
		}
		p := s.Pattern("/hostroot")
		if !strings.HasPrefix(p, "/hostroot"+PodsDirectory+"/") || path.Clean(p) != p {
			t.Fatalf("pattern %q escapes the pods directory", p)
		}
		if n := strings.Count(p, "*"); n != 3 || strings.ContainsAny(p, "?[]{}\\") {
			t.Fatalf("pattern %q has glob characters of its own", p)
		}
		if s.String() != entry {
			t.Fatalf("String() = %q, entry %q", s.String(), entry)
		}
	})
}
