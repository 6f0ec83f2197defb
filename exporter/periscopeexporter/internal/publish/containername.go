package publish

import (
	"fmt"
	"strings"
)

// ContainerNameFromFQDN derives the blob container name from the cluster's
// API server FQDN exactly as `az aks kollect` does, so the exporter and the
// CLI agree on where a run goes:
//
//	name[:name.find(".hcp.")], dots to dashes, at most 63 characters,
//	trailing dashes stripped.
//
// Where ".hcp." is absent (a private cluster's FQDN) Python's find returns
// -1 and the slice drops the last character; that is replicated, not fixed.
// (The VS Code extension instead takes the FQDN's first label.)
func ContainerNameFromFQDN(fqdn string) string {
	name := []rune(fqdn) // Python slices code points
	end := strings.Index(fqdn, ".hcp.")
	if end >= 0 {
		end = len([]rune(fqdn[:end]))
	} else {
		end = len(name) - 1 // name[:-1]
	}
	if end < 0 {
		end = 0
	}
	s := strings.ReplaceAll(string(name[:end]), ".", "-")
	if r := []rune(s); len(r) > 63 {
		s = string(r[:63])
	}
	return strings.TrimRight(s, "-")
}

// checkContainerName applies Azure's container naming rules, so a bad name
// is a configuration error rather than a failed upload at the end of a run.
func checkContainerName(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("container name %q must be 3 to 63 characters long", name)
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == '-':
			if i == 0 || i == len(name)-1 || name[i-1] == '-' {
				return fmt.Errorf("container name %q: a dash must sit between letters or digits", name)
			}
		default:
			return fmt.Errorf("container name %q may hold only lowercase letters, digits and dashes", name)
		}
	}
	return nil
}
