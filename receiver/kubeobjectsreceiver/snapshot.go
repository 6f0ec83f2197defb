package kubeobjectsreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// snapshot answers the describers' reads that the collection's lists
// already hold, so describing N listed objects costs a few list requests
// instead of 2N round trips (kubectl's describers each get their object
// and search its events).
//
// It is an http.RoundTripper installed through rest.Config.WrapTransport
// under kubectl's describers, which are used unchanged:
//
//   - GET of a single object that an entry listed is answered with the
//     listed object (same version, same JSON the server sent);
//   - GET of a namespace's events with a field selector (the describers'
//     event search) is answered from one list of that namespace's events,
//     filtered with the API server's own rules (fields.Selector over the
//     field set the server indexes events by).
//
// Anything else, and anything the snapshot cannot answer exactly (a
// namespace with too many events, a selector on another field, a list
// that failed), goes to the API server.
type snapshot struct {
	basePath string // path prefix of the server URL (proxies: /k8s/clusters/x)
	client   kubernetes.Interface

	objects map[string][]byte           // request path → object JSON; filled before describes start
	events  map[string]*namespaceEvents // namespace → events, listed on first use
	mu      sync.Mutex
}

// maxSnapshotEvents bounds the events held for one namespace; above it the
// describers' own filtered requests are cheaper than the memory.
const maxSnapshotEvents = 20000

type namespaceEvents struct {
	once   sync.Once
	ok     bool
	rv     string
	items  []corev1.Event
	fields []fields.Set
}

func newSnapshot(host string, client kubernetes.Interface) (*snapshot, error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("parse server URL %q: %w", host, err)
	}
	return &snapshot{
		basePath: strings.TrimRight(u.Path, "/"),
		client:   client,
		objects:  map[string][]byte{},
		events:   map[string]*namespaceEvents{},
	}, nil
}

// addObject makes GETs of the object answerable; call before describing.
func (s *snapshot) addObject(gvr schema.GroupVersionResource, namespace, name string, obj []byte) {
	s.objects[s.basePath+objectPath(gvr, namespace, name)] = obj
}

// serveEvents makes event searches in namespace answerable; call before
// describing.
func (s *snapshot) serveEvents(namespace string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.events[namespace] == nil {
		s.events[namespace] = &namespaceEvents{}
	}
}

// objectPath is the REST path of one object, as client-go builds it.
func objectPath(gvr schema.GroupVersionResource, namespace, name string) string {
	p := "/apis/" + gvr.Group + "/" + gvr.Version
	if gvr.Group == "" {
		p = "/api/" + gvr.Version
	}
	if namespace != "" {
		p += "/namespaces/" + namespace
	}
	return p + "/" + gvr.Resource + "/" + name
}

// wrap is a rest.Config WrapTransport.
func (s *snapshot) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if req.Method != http.MethodGet {
			return next.RoundTrip(req)
		}
		if obj, ok := s.objects[req.URL.Path]; ok && onlyParams(req.URL.Query(), "timeout") {
			return jsonResponse(req, obj), nil
		}
		if body, ok := s.eventSearch(req); ok {
			return jsonResponse(req, body), nil
		}
		return next.RoundTrip(req)
	})
}

// onlyParams says whether the query has no parameter but the allowed ones
// (timeout is the client's own request timeout, not a question to the server).
func onlyParams(q url.Values, allowed ...string) bool {
	for k := range q {
		if !slices.Contains(allowed, k) {
			return false
		}
	}
	return true
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func jsonResponse(req *http.Request, body []byte) *http.Response {
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// eventFields are the fields the API server can select events by; a
// selector on anything else goes to the server.
var eventFields = map[string]bool{
	"involvedObject.kind": true, "involvedObject.namespace": true, "involvedObject.name": true,
	"involvedObject.uid": true, "involvedObject.apiVersion": true, "involvedObject.resourceVersion": true,
	"involvedObject.fieldPath": true, "reason": true, "reportingComponent": true, "source": true,
	"type": true, "metadata.name": true, "metadata.namespace": true,
}

// eventSearch answers GET /api/v1/namespaces/NS/events?fieldSelector=…
// from the namespace's event list, when it holds one.
func (s *snapshot) eventSearch(req *http.Request) ([]byte, bool) {
	rest, ok := strings.CutPrefix(req.URL.Path, s.basePath+"/api/v1/namespaces/")
	if !ok {
		return nil, false
	}
	namespace, ok := strings.CutSuffix(rest, "/events")
	if !ok || strings.Contains(namespace, "/") {
		return nil, false
	}
	q := req.URL.Query()
	if !onlyParams(q, "fieldSelector", "limit", "timeout") {
		return nil, false // continue, watch, resourceVersion…: the server's business
	}
	sel, err := fields.ParseSelector(q.Get("fieldSelector"))
	if err != nil {
		return nil, false
	}
	for _, r := range sel.Requirements() {
		if !eventFields[r.Field] {
			return nil, false
		}
	}
	s.mu.Lock()
	ne := s.events[namespace]
	s.mu.Unlock()
	if ne == nil {
		return nil, false
	}
	ne.once.Do(func() { ne.load(req.Context(), s.client, namespace) })
	if !ne.ok {
		return nil, false
	}
	list := corev1.EventList{
		TypeMeta: metav1.TypeMeta{Kind: "EventList", APIVersion: "v1"},
		ListMeta: metav1.ListMeta{ResourceVersion: ne.rv},
		Items:    []corev1.Event{},
	}
	for i := range ne.items {
		if sel.Matches(ne.fields[i]) {
			list.Items = append(list.Items, ne.items[i])
		}
	}
	body, err := json.Marshal(&list)
	if err != nil {
		return nil, false
	}
	return body, true
}

// load lists the namespace's events in pages; on any failure the snapshot
// stays out of the way and each search asks the server (which then
// answers, or refuses, exactly as it would kubectl).
func (ne *namespaceEvents) load(ctx context.Context, client kubernetes.Interface, namespace string) {
	opts := metav1.ListOptions{Limit: listChunk}
	for {
		list, err := client.CoreV1().Events(namespace).List(context.WithoutCancel(ctx), opts)
		if err != nil {
			ne.items, ne.fields = nil, nil
			return
		}
		if ne.rv == "" {
			ne.rv = list.ResourceVersion
		}
		ne.items = append(ne.items, list.Items...)
		if len(ne.items) > maxSnapshotEvents {
			ne.items, ne.fields = nil, nil
			return
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	ne.fields = make([]fields.Set, len(ne.items))
	for i := range ne.items {
		ne.fields[i] = eventFieldSet(&ne.items[i])
	}
	ne.ok = true
}

// eventFieldSet is the API server's field set of an event
// (pkg/registry/core/event: ToSelectableFields).
func eventFieldSet(e *corev1.Event) fields.Set {
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         source,
		"type":                           e.Type,
		"metadata.name":                  e.Name,
		"metadata.namespace":             e.Namespace,
	}
}

// eventsAbout returns the events of namespace about the object uid, from
// the namespace's event list (listed now if no describer asked for it);
// an event without a UID counts when its kind and name match;
// false when the snapshot holds no list for it (too many events, a
// refused list): the facts then carry no events.
func (s *snapshot) eventsAbout(ctx context.Context, namespace, kind, name string, uid types.UID) ([]corev1.Event, bool) {
	if s == nil || uid == "" {
		return nil, false
	}
	s.mu.Lock()
	ne := s.events[namespace]
	s.mu.Unlock()
	if ne == nil {
		return nil, false
	}
	ne.once.Do(func() { ne.load(ctx, s.client, namespace) })
	if !ne.ok {
		return nil, false
	}
	var out []corev1.Event
	for i := range ne.items {
		ref := &ne.items[i].InvolvedObject
		if ref.UID == uid || (ref.UID == "" && ref.Kind == kind && ref.Name == name) {
			out = append(out, ne.items[i])
		}
	}
	return out, true
}
