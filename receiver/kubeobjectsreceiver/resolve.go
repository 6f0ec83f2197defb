package kubeobjectsreceiver

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
)

// typeResolver maps an entry's type (pod, pods, po, deploy,
// deployments.apps, Deployment…) to a resource the way kubectl does: the
// server's discovery data, its short names, then kinds. Discovery is read
// once per collection.
type typeResolver struct {
	mapper meta.RESTMapper
}

func newTypeResolver(dc discovery.DiscoveryInterface) *typeResolver {
	cached := memory.NewMemCacheClient(dc)
	deferred := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	return &typeResolver{mapper: restmapper.NewShortcutExpander(deferred, cached, func(string) {})}
}

// resolve returns the mapping for typ. An unknown type is named as
// kubectl names it ("the server doesn't have a resource type …"); other
// errors (discovery failing) are returned as they are.
func (r *typeResolver) resolve(typ string) (*meta.RESTMapping, error) {
	// As a resource: "pods", "po", "deployments.apps", "deployments.v1.apps".
	gvr, gr := schema.ParseResourceArg(typ)
	var gvk schema.GroupVersionKind
	if gvr != nil {
		gvk, _ = r.mapper.KindFor(*gvr)
	}
	if gvk.Empty() {
		gvk, _ = r.mapper.KindFor(gr.WithVersion(""))
	}
	if !gvk.Empty() {
		return r.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	// As a kind: "Pod", "Deployment.apps", "Deployment.v1.apps".
	fullGVK, gk := schema.ParseKindArg(typ)
	if fullGVK != nil {
		if m, err := r.mapper.RESTMapping(fullGVK.GroupKind(), fullGVK.Version); err == nil {
			return m, nil
		}
	}
	m, err := r.mapper.RESTMapping(gk)
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("the server doesn't have a resource type %q", typ)
	}
	return m, err
}
