package helmreleasesreceiver

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	corev1 "k8s.io/api/core/v1"

	"github.com/periscope-otel/periscope/internal/helmrelease"
	"github.com/periscope-otel/periscope/internal/layout"
)

// Periscope's name for this collector and its item keys.
const (
	collectorName = "helm"
	// keyList is Periscope's item: the releases as `helm list` shows them.
	keyList = "helm_list"
	// keyHistoryPrefix + <namespace>_<release> is a release's JSON history.
	keyHistoryPrefix = "helm_history_"
)

// Record attributes besides the layout ones.
const (
	attrNamespace = "k8s.namespace.name"
	attrRelease   = "periscope.helm.release"
	attrSecret    = "periscope.helm.secret" // the Secret a decode error is about
)

// updatedLayout is how `helm list` prints UPDATED (here always in UTC).
const updatedLayout = "2006-01-02 15:04:05.999999999 -0700 MST"

// revision is one release Secret: decoded, or the reason it could not be.
type revision struct {
	helmrelease.Release
	secret string
	err    error // decoding failed; Name, Revision and Status come from labels
}

// release is every revision Secret of one release in one namespace.
type release struct {
	namespace, name string
	revisions       []revision // ascending by revision once sorted
}

// inventory gathers release Secrets as they are listed.
type inventory struct {
	releases map[[2]string]*release
}

func newInventory() *inventory { return &inventory{releases: map[[2]string]*release{}} }

// add decodes one Secret. Only the decoded summary is kept: the Secret's
// data (values, manifest) is dropped with the list page.
func (inv *inventory) add(s *corev1.Secret) {
	rev := revision{secret: s.Name}
	data, ok := s.Data[helmrelease.DataKey]
	if ok {
		rev.Release, rev.err = helmrelease.Decode(data)
	} else {
		rev.err = fmt.Errorf("no %q key in the Secret's data", helmrelease.DataKey)
	}
	if rev.err != nil {
		rev.err = fmt.Errorf("%s/%s: decode Helm release: %w", s.Namespace, s.Name, rev.err)
		rev.Release = fromLabels(s)
	}
	// The Secret's namespace is where the release lives; old records may
	// not name it.
	rev.Namespace = s.Namespace
	key := [2]string{s.Namespace, rev.Name}
	r := inv.releases[key]
	if r == nil {
		r = &release{namespace: s.Namespace, name: rev.Name}
		inv.releases[key] = r
	}
	r.revisions = append(r.revisions, rev)
}

// fromLabels is what Helm's labels say about a Secret whose payload cannot
// be decoded: name, revision, status. The Secret's name
// (sh.helm.release.v1.<name>.v<revision>) stands in for missing labels.
func fromLabels(s *corev1.Secret) helmrelease.Release {
	r := helmrelease.Release{Name: s.Labels[helmrelease.LabelName], Status: s.Labels[helmrelease.LabelStatus]}
	r.Revision, _ = strconv.Atoi(s.Labels[helmrelease.LabelVersion])
	rest, ok := strings.CutPrefix(s.Name, "sh.helm.release.v1.")
	i := strings.LastIndex(rest, ".v")
	if ok && i > 0 {
		if r.Name == "" {
			r.Name = rest[:i]
		}
		if r.Revision == 0 {
			r.Revision, _ = strconv.Atoi(rest[i+2:])
		}
	}
	if r.Name == "" {
		r.Name = s.Name
	}
	return r
}

// sorted returns the releases by name, then namespace (as `helm list
// --all-namespaces` orders them), each with its revisions ascending.
func (inv *inventory) sorted() []*release {
	out := make([]*release, 0, len(inv.releases))
	for _, r := range inv.releases {
		slices.SortStableFunc(r.revisions, func(a, b revision) int { return cmp.Compare(a.Revision, b.Revision) })
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *release) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.namespace, b.namespace))
	})
	return out
}

// render appends the items: the table, a history per release, an error
// record per unreadable Secret (so periscope-errors.log names it too).
func (inv *inventory) render(sl plog.ScopeLogs, now time.Time) {
	releases := inv.sorted()
	layout.AppendDocument(sl, collectorName, keyList, table(releases), now)
	for _, r := range releases {
		key := layout.SafeKey(keyHistoryPrefix+r.namespace+"_"+r.name, keyHistoryPrefix)
		for _, rev := range r.revisions {
			if rev.err == nil {
				continue
			}
			lr := layout.AppendError(sl, collectorName, key, rev.err, now)
			lr.Attributes().PutStr(attrNamespace, r.namespace)
			lr.Attributes().PutStr(attrRelease, r.name)
			lr.Attributes().PutStr(attrSecret, rev.secret)
		}
		lr := layout.AppendDocument(sl, collectorName, key, history(r), now)
		lr.Attributes().PutStr(attrNamespace, r.namespace)
		lr.Attributes().PutStr(attrRelease, r.name)
	}
}

// unreadable stands in the table for what an undecodable Secret hides.
const unreadable = "<unreadable>"

// table is the latest revision of every release, in `helm list
// --all-namespaces --all` columns; with no release, the header alone.
func table(releases []*release) []byte {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tNAMESPACE\tREVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION")
	for _, r := range releases {
		last := r.revisions[len(r.revisions)-1]
		updated, chart := unreadable, unreadable
		if last.err == nil {
			updated, chart = "", last.Chart+"-"+last.ChartVersion
			if !last.Updated.IsZero() {
				updated = last.Updated.UTC().Format(updatedLayout)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.name, r.namespace, last.Revision, updated, last.Status, chart, last.AppVersion)
	}
	_ = tw.Flush() // writes to memory
	return b.Bytes()
}

// historyJSON is Periscope's HelmRelease object (name, namespace, status,
// chart, history of lastDeployment/status/revision/appVersion), without the
// description (Helm's failure messages can quote rendered manifests), with
// the chart version, the latest revision's fields and decode errors added.
type historyJSON struct {
	Name           string         `json:"name"`
	Namespace      string         `json:"namespace"`
	Status         string         `json:"status"`
	Chart          string         `json:"chart"`
	ChartVersion   string         `json:"chartVersion"`
	AppVersion     string         `json:"appVersion"`
	Revision       int            `json:"revision"`
	LastDeployment *time.Time     `json:"lastDeployment,omitempty"`
	History        []revisionJSON `json:"history"`
}

type revisionJSON struct {
	Revision       int        `json:"revision"`
	LastDeployment *time.Time `json:"lastDeployment,omitempty"`
	Status         string     `json:"status"`
	Chart          string     `json:"chart"`
	ChartVersion   string     `json:"chartVersion"`
	AppVersion     string     `json:"appVersion"`
	Error          string     `json:"error,omitempty"` // the revision's Secret could not be decoded
}

// history is the JSON of a release's revisions, ascending; an unreadable
// one has what its labels say and the decode error.
func history(r *release) []byte {
	h := historyJSON{Name: r.name, Namespace: r.namespace}
	for _, rev := range r.revisions {
		e := revisionJSON{Revision: rev.Revision, Status: rev.Status}
		if rev.err != nil {
			e.Error = rev.err.Error()
		} else {
			e.Chart, e.ChartVersion, e.AppVersion = rev.Chart, rev.ChartVersion, rev.AppVersion
			if !rev.Updated.IsZero() {
				t := rev.Updated.UTC()
				e.LastDeployment = &t
			}
		}
		h.History = append(h.History, e)
	}
	last := h.History[len(h.History)-1]
	h.Status, h.Chart, h.ChartVersion, h.AppVersion, h.Revision, h.LastDeployment =
		last.Status, last.Chart, last.ChartVersion, last.AppVersion, last.Revision, last.LastDeployment
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		panic(err) // strings, ints and times always marshal
	}
	return append(b, '\n')
}
