// Package containerlogs turns Periscope's DIAGNOSTIC_CONTAINERLOGS_LIST into
// the files the kubelet writes container logs to, so the contrib filelog
// receiver (with its container parser) can read them: configuration, not a
// tailer of our own.
//
// An entry is a namespace ("kube-system": every container of every pod in
// it) or a namespace and a container-name prefix ("kube-system/tunnelfront":
// containers whose name starts with "tunnelfront"), as Periscope documents.
// Each becomes one include pattern over the kubelet's pod log directory:
//
//	kube-system             <root>/var/log/pods/kube-system_*/*/*.log
//	kube-system/tunnelfront <root>/var/log/pods/kube-system_*/tunnelfront*/*.log
//
// /var/log/pods (<namespace>_<pod>_<uid>/<container>/<restart>.log) is read
// rather than /var/log/containers because the latter holds absolute
// symlinks into /var/log/pods, which dangle when the node is mounted at a
// root path such as /hostroot. Namespace and pod names cannot contain "_",
// so "kube-system_*" never matches another namespace.
//
// The list is parsed here by hand: it is Periscope's own space-separated
// format (split by internal/settings); this package only judges entries.
package containerlogs

import (
	"fmt"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// PodsDirectory is where the kubelet writes container logs on a Linux node.
const PodsDirectory = "/var/log/pods"

// Selector is one parsed entry of the list.
type Selector struct {
	Namespace string
	// ContainerPrefix is empty when the entry names the whole namespace.
	ContainerPrefix string
}

// String is the entry as Periscope's list spells it.
func (s Selector) String() string {
	if s.ContainerPrefix == "" {
		return s.Namespace
	}
	return s.Namespace + "/" + s.ContainerPrefix
}

// Pattern is the filelog include pattern of the selector with the node
// mounted at root ("" or "/" for the host itself).
func (s Selector) Pattern(root string) string {
	if root == "" {
		root = "/"
	}
	return path.Join(root, PodsDirectory, s.Namespace+"_*", s.ContainerPrefix+"*", "*.log")
}

// Parse judges one entry. The error names the entry and what is wrong.
func Parse(entry string) (Selector, error) {
	parts := strings.Split(entry, "/")
	if len(parts) > 2 {
		return Selector{}, fmt.Errorf("container logs entry %q: want namespace or namespace/container-prefix, got %d parts", entry, len(parts))
	}
	s := Selector{Namespace: parts[0]}
	if errs := validation.IsDNS1123Label(s.Namespace); len(errs) > 0 {
		return Selector{}, fmt.Errorf("container logs entry %q: namespace %q is not a Kubernetes namespace name: %s", entry, s.Namespace, strings.Join(errs, "; "))
	}
	if len(parts) == 2 {
		s.ContainerPrefix = parts[1]
		if err := checkPrefix(s.ContainerPrefix); err != nil {
			return Selector{}, fmt.Errorf("container logs entry %q: %w", entry, err)
		}
	}
	return s, nil
}

// checkPrefix accepts the start of a container name (a DNS label), so it
// can never smuggle a glob character or a path separator into a pattern.
func checkPrefix(p string) error {
	if p == "" {
		return fmt.Errorf("empty container prefix after %q", "/")
	}
	if len(p) > validation.DNS1123LabelMaxLength {
		return fmt.Errorf("container prefix %q is longer than a container name can be (%d)", p, validation.DNS1123LabelMaxLength)
	}
	for _, r := range p {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return fmt.Errorf("container prefix %q: %q cannot be in a container name (lower-case letters, digits and '-')", p, r)
		}
	}
	return nil
}

// ParseList parses every entry; bad entries come back as errors, in list
// order, and do not keep the others out. Duplicates are dropped. An item
// holding white space (the whole list was quoted, as a kustomize literal
// may be) is split again: no entry can contain a space.
func ParseList(items []string) ([]Selector, []error) {
	var sels []Selector
	var errs []error
	seen := map[Selector]bool{}
	var entries []string
	for _, it := range items {
		entries = append(entries, strings.Fields(it)...)
	}
	for _, e := range entries {
		s, err := Parse(e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !seen[s] {
			seen[s] = true
			sels = append(sels, s)
		}
	}
	return sels, errs
}
