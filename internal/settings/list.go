package settings

import (
	"fmt"
	"strings"
	"unicode"
)

// SplitList splits one of Periscope's space-separated lists.
//
// Hand-written because the lists are written by people and tools in three
// places (a kustomize literal, a ConfigMap patch, an env var) and arrive
// with the quotes of one of them: shell-word libraries treat a backslash as
// an escape, which breaks Windows paths (C:\AzureData\x.log). Rules: items
// are separated by white space; a double- or single-quoted part may contain
// spaces and its quotes are removed; a backslash is an ordinary character;
// the same item twice is kept once.
//
// An unbalanced quote is an error, and the items come back with it: the
// dangling quote is kept as an ordinary character of its item, where white
// space splits as usual. A caller reports the error and goes on, and the
// receiver that judges entries names the one with the stray quote as
// malformed; nothing is guessed into a different file or object, and the
// rest of the list is still collected.
func SplitList(s string) ([]string, error) {
	var (
		items []string
		cur   strings.Builder
		quote rune
		qpos  int // where in cur the open quote was
		inTok bool
	)
	seen := map[string]bool{}
	flush := func() {
		if inTok && cur.Len() > 0 && !seen[cur.String()] {
			seen[cur.String()] = true
			items = append(items, cur.String())
		}
		cur.Reset()
		inTok = false
	}
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, qpos, inTok = r, cur.Len(), true
		case unicode.IsSpace(r):
			flush()
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if quote != 0 {
		tail := cur.String()
		tail = tail[:qpos] + string(quote) + tail[qpos:]
		cur.Reset()
		for _, f := range strings.Fields(tail) {
			cur.WriteString(f)
			inTok = true
			flush()
		}
		return items, fmt.Errorf("unbalanced %c quote in %q (kept as part of the entry)", quote, s)
	}
	flush()
	return items, nil
}

// SplitPaths splits a list of file paths. Besides SplitList's rules, an
// item that holds several absolute paths (the whole list was quoted, as in
// Periscope's README example) is split again at white space followed by
// the start of an absolute path.
// Like SplitList, it returns the items with an unbalanced-quote error.
func SplitPaths(s string) ([]string, error) {
	items, err := SplitList(s)
	var paths []string
	for _, it := range items {
		paths = append(paths, splitJoinedPaths(it)...)
	}
	return paths, err
}

// splitJoinedPaths splits "/a /b" or `C:\a D:\b` but keeps "C:\Program Files\x".
func splitJoinedPaths(item string) []string {
	fields := strings.Fields(item)
	if len(fields) < 2 {
		return []string{item}
	}
	var out []string
	cur := fields[0]
	for _, f := range fields[1:] {
		if IsAbsPath(f) {
			out = append(out, cur)
			cur = f
			continue
		}
		cur += " " + f
	}
	return append(out, cur)
}

// IsAbsPath reports whether p is an absolute node path: a Linux path, a
// Windows drive path (C:\… or C:/…) or a UNC path, whatever the OS it runs on.
func IsAbsPath(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\\`) {
		return true
	}
	return len(p) >= 3 && unicode.IsLetter(rune(p[0])) && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}
