package kubeobjects_test

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/periscope-otel/periscope/test/kubeapi"
)

// Fixture namespaces and the credentials planted in the "creds" pod (each
// must be redacted; the test checks kubectl prints them, so the check
// cannot pass vacuously).
const (
	nsShop  = "shop"
	nsEmpty = "empty"
)

var plantedCredentials = []struct {
	env, value string
	secret     []string // the parts that must not leave the cluster
}{
	{"API_TOKEN", "tok-2b7e151628aed2a6", []string{"tok-2b7e151628aed2a6"}},
	{"DB_PASSWORD", "first-line-pw\nsecond-line-pw", []string{"first-line-pw", "second-line-pw"}},
	{"STORAGE_SAS_URL", "https://acct.blob.core.windows.net/c?sv=2024-01-01&sig=AbCdEf0123456789%2Bsig", []string{"AbCdEf0123456789%2Bsig"}},
	// A JWT under a harmless name: caught by its shape.
	{"INNOCENT_NAME", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLWJ5dGVz", []string{"eyJzdWIiOiJzeXN0ZW06c2EifQ"}},
	// A connection string under a name without a credential word: its key is caught by shape.
	{"BLOB_CONNECTION", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5LWJ5dGVzLWJhc2U2NA==;EndpointSuffix=core.windows.net", []string{"a2V5LWJ5dGVzLWJhc2U2NA=="}},
	{"AZURE_CLIENT_SECRET", "client-secret-value-xyz", []string{"client-secret-value-xyz"}},
}

// createFixture creates the objects the describe tests read: a deployment,
// its service, pods (Pending), events on them, a secret, a PDB.
func createFixture(ctx context.Context, c *kubeapi.Cluster) error {
	for _, ns := range []string{nsShop, nsEmpty} {
		if err := c.CreateNamespace(ctx, ns); err != nil {
			return err
		}
	}
	cs := c.Client()
	labels := map[string]string{"app": "web", "tier": "frontend"}
	container := corev1.Container{
		Name:  "web",
		Image: "registry.example/web:1.2.3",
		Args:  []string{"--listen=:8080", "--verbose"},
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		Env: []corev1.EnvVar{
			{Name: "LOG_LEVEL", Value: "debug"},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
			{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
		},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}, PeriodSeconds: 5},
	}
	podSpec := corev1.PodSpec{Containers: []corev1.Container{container}, NodeSelector: map[string]string{"kubernetes.io/os": "linux"}}

	if _, err := cs.AppsV1().Deployments(nsShop).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels, Annotations: map[string]string{"team": "storefront"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec},
		},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create deployment: %w", err)
	}
	if _, err := cs.CoreV1().Services(nsShop).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec: corev1.ServiceSpec{
			Selector: labels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create service: %w", err)
	}

	pods := map[string]corev1.PodSpec{"web-1": podSpec, "web-2": podSpec, "creds": credentialsPodSpec()}
	podObjs := map[string]runtime.Object{}
	for name, spec := range pods {
		p, err := cs.CoreV1().Pods(nsShop).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: spec}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create pod %s: %w", name, err)
		}
		podObjs[name] = p
	}
	web1 := podObjs["web-1"].(*corev1.Pod)
	dep, err := cs.AppsV1().Deployments(nsShop).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get deployment: %w", err)
	}
	// What the controllers would have made, so the describers' extra reads
	// (replica sets of a deployment, endpoints of a service) find
	// something, and a role lacking them shows in the RBAC test.
	rsLabels := map[string]string{"app": "web", "tier": "frontend", "pod-template-hash": "5d4f8c"}
	if _, err := cs.AppsV1().ReplicaSets(nsShop).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-5d4f8c", Labels: rsLabels, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: dep.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
		}}},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: rsLabels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: rsLabels}, Spec: podSpec},
		},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create replica set: %w", err)
	}
	if _, err := cs.DiscoveryV1().EndpointSlices(nsShop).Create(ctx, &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-x1", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.244.0.7"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](8080), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create endpoint slice: %w", err)
	}

	events := []corev1.Event{
		event("web-1.scheduled", corev1.ObjectReference{Kind: "Pod", Namespace: nsShop, Name: "web-1", UID: web1.UID, APIVersion: "v1"}, corev1.EventTypeNormal, "Scheduled", "Successfully assigned shop/web-1 to node-a", 1),
		event("web-1.backoff", corev1.ObjectReference{Kind: "Pod", Namespace: nsShop, Name: "web-1", UID: web1.UID, APIVersion: "v1", FieldPath: "spec.containers{web}"}, corev1.EventTypeWarning, "BackOff", "Back-off pulling image", 7),
		event("web.scaled", corev1.ObjectReference{Kind: "Deployment", Namespace: nsShop, Name: "web", UID: dep.UID, APIVersion: "apps/v1"}, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set web-abc to 2", 1),
	}
	for i := range events {
		if _, err := cs.CoreV1().Events(nsShop).Create(ctx, &events[i], metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create event %s: %w", events[i].Name, err)
		}
	}
	if _, err := cs.CoreV1().Secrets(nsShop).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Data:       map[string][]byte{"password": []byte("s3cr3t-secret-data"), "user": []byte("shop")},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create secret: %w", err)
	}
	if _, err := cs.PolicyV1().PodDisruptionBudgets(nsShop).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web-pdb"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create PDB: %w", err)
	}
	return nil
}

func event(name string, obj corev1.ObjectReference, typ, reason, msg string, count int32) corev1.Event {
	return corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name},
		InvolvedObject: obj,
		Type:           typ,
		Reason:         reason,
		Message:        msg,
		Count:          count,
		FirstTimestamp: metav1.NewTime(fixtureTime),
		LastTimestamp:  metav1.NewTime(fixtureTime.Add(90 * 60e9)),
		Source:         corev1.EventSource{Component: "test-fixture"},
	}
}

// credentialsPodSpec holds plantedCredentials as literal env values, the
// way careless manifests do.
func credentialsPodSpec() corev1.PodSpec {
	c := corev1.Container{Name: "app", Image: "registry.example/app:1", Env: []corev1.EnvVar{{Name: "GREETING", Value: "hello"}}}
	for _, p := range plantedCredentials {
		c.Env = append(c.Env, corev1.EnvVar{Name: p.env, Value: p.value})
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: "SECRET_FROM_REF", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}})
	return corev1.PodSpec{Containers: []corev1.Container{c}}
}
