package kubeobjectsreceiver

import (
	"fmt"
	"strings"
)

// entry is one item of Periscope's DIAGNOSTIC_KUBEOBJECTS_LIST:
// namespace/type (every object of the type) or namespace/type/name.
// Type is kept as written (pod, pods, po, deploy, deployments.apps…): it is
// resolved through the API server's discovery, as kubectl does, and it is
// part of the item key, as Periscope named its files.
type entry struct {
	Namespace string
	Type      string
	Name      string // empty: every object of Type in Namespace
}

// parseEntry splits one list entry; the error names the entry and says
// which part is wrong.
func parseEntry(s string) (entry, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return entry{}, fmt.Errorf("entry %q: want namespace/type or namespace/type/name", s)
	}
	e := entry{Namespace: parts[0], Type: parts[1]}
	if len(parts) == 3 {
		e.Name = parts[2]
		if e.Name == "" {
			return entry{}, fmt.Errorf("entry %q: empty name (leave out the last slash to collect every object)", s)
		}
	}
	for _, p := range []struct{ what, v string }{{"namespace", e.Namespace}, {"type", e.Type}} {
		if p.v == "" {
			return entry{}, fmt.Errorf("entry %q: empty %s", s, p.what)
		}
	}
	// No Kubernetes name holds these, and a backslash would split the item
	// key into folders on Windows tools.
	if i := strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }); i >= 0 {
		return entry{}, fmt.Errorf("entry %q: character %q at byte %d is not allowed in a Kubernetes name", s, s[i], i)
	}
	return e, nil
}

// String is the entry as written in the list.
func (e entry) String() string {
	if e.Name == "" {
		return e.Namespace + "/" + e.Type
	}
	return e.Namespace + "/" + e.Type + "/" + e.Name
}

// itemKey is Periscope's file name for one object: <namespace>_<type>_<name>.
func (e entry) itemKey(name string) string {
	return e.Namespace + "_" + e.Type + "_" + name
}

// errorKey names the item an entry-wide error belongs to: the object's own
// key for a named entry, else <namespace>_<type>.
func (e entry) errorKey() string {
	if e.Name != "" {
		return e.itemKey(e.Name)
	}
	return e.Namespace + "_" + e.Type
}
