package helmpdb_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/periscope-otel/periscope/test/kubeapi"
)

const (
	nsShop     = "shop"
	nsPlatform = "platform"
	nsEmpty    = "empty"
)

// fakePassword is planted in the values, chart defaults, manifest, hooks
// and notes of every fixture release: it must never reach a record.
const fakePassword = "FakeP4ss-9d2e71c0"

// fixtureTime is long ago and fixed, so the releases' times are stable and
// event ages read "Nd" in both outputs compared.
var fixtureTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// releaseJSON is a release as Helm 3 serialises it (members abridged).
func releaseJSON(name, ns string, rev int, status, chart, chartVersion, appVersion string, at time.Time) []byte {
	return fmt.Appendf(nil, `{"name":%q,"namespace":%q,"version":%d,`+
		`"info":{"first_deployed":%q,"last_deployed":%q,"deleted":"","description":"Install complete","status":%q,"notes":"login with admin / %s"},`+
		`"chart":{"metadata":{"name":%q,"version":%q,"appVersion":%q,"apiVersion":"v2"},"lock":null,`+
		`"templates":[{"name":"templates/secret.yaml","data":"cGFzc3dvcmQ6IHt7IC5WYWx1ZXMucGFzc3dvcmQgfX0="}],`+
		`"values":{"password":%q},"schema":null,"files":[]},`+
		`"config":{"auth":{"password":%q,"apiKey":"sk-%s"}},`+
		`"manifest":"---\napiVersion: v1\nkind: Secret\nstringData:\n  password: %s\n",`+
		`"hooks":[{"name":"db-init","kind":"Job","manifest":"env: [{name: PASSWORD, value: %s}]"}]}`,
		name, ns, rev, fixtureTime.Format(time.RFC3339), at.Format(time.RFC3339Nano), status, fakePassword,
		chart, chartVersion, appVersion, fakePassword, fakePassword, fakePassword, fakePassword, fakePassword)
}

// helmEncode stores release JSON as Helm 3's Secret driver does: gzip,
// then base64; the Secret's data holds that text (the API server adds its
// own base64 on the wire). gzipped false is what Helm 3 betas wrote.
func helmEncode(js []byte, gzipped bool) []byte {
	if gzipped {
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		_, _ = zw.Write(js)
		_ = zw.Close()
		js = z.Bytes()
	}
	return []byte(base64.StdEncoding.EncodeToString(js))
}

// helmSecret is the Secret Helm 3 writes for one revision of a release.
func helmSecret(ns, name string, rev int, status string, data []byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns,
			Name:      fmt.Sprintf("sh.helm.release.v1.%s.v%d", name, rev),
			Labels:    map[string]string{"name": name, "owner": "helm", "status": status, "version": fmt.Sprint(rev)},
		},
		Type: "helm.sh/release.v1",
		Data: map[string][]byte{"release": data},
	}
}

// fixtureSecrets: two revisions of shop-db, an uncompressed failed install
// in platform, a corrupt release, and two decoys the selectors must skip
// (an Opaque Secret labelled owner=helm, a release-typed Secret without the
// label), each holding a valid release that would show if read.
func fixtureSecrets() []*corev1.Secret {
	day := 24 * time.Hour
	decoyData := helmEncode(releaseJSON("decoy", nsShop, 1, "deployed", "decoy", "0.0.1", "0", fixtureTime), true)
	opaque := helmSecret(nsShop, "decoy", 1, "deployed", decoyData)
	opaque.Type = corev1.SecretTypeOpaque
	unlabelled := helmSecret(nsShop, "decoy", 2, "deployed", decoyData)
	delete(unlabelled.Labels, "owner")
	return []*corev1.Secret{
		helmSecret(nsShop, "shop-db", 1, "superseded", helmEncode(releaseJSON("shop-db", nsShop, 1, "superseded", "postgresql", "15.5.0", "16.2.0", fixtureTime), true)),
		helmSecret(nsShop, "shop-db", 2, "deployed", helmEncode(releaseJSON("shop-db", nsShop, 2, "deployed", "postgresql", "15.5.2", "16.3.0", fixtureTime.Add(3*day+1500*time.Millisecond)), true)),
		helmSecret(nsPlatform, "ingress", 1, "failed", helmEncode(releaseJSON("ingress", nsPlatform, 1, "failed", "ingress-nginx", "4.11.2", "1.11.2", fixtureTime.Add(day)), false)),
		// Valid base64 of a gzip header whose stream stops short.
		helmSecret(nsShop, "broken", 1, "deployed", []byte(base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0}))),
		opaque,
		unlabelled,
	}
}

// fixturePDBs: two budgets in shop (one with an event), one in platform,
// none in empty.
func fixturePDBs() []*policyv1.PodDisruptionBudget {
	pct := intstr.FromString("25%")
	return []*policyv1.PodDisruptionBudget{
		{
			ObjectMeta: metav1.ObjectMeta{Namespace: nsShop, Name: "web-pdb"},
			Spec: policyv1.PodDisruptionBudgetSpec{
				MinAvailable: ptr.To(intstr.FromInt32(1)),
				Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Namespace: nsShop, Name: "db-pdb"},
			Spec: policyv1.PodDisruptionBudgetSpec{
				MaxUnavailable: &pct,
				Selector:       &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"db", "cache"}}}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Namespace: nsPlatform, Name: "ingress-pdb"},
			Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(2))},
		},
	}
}

func createFixture(ctx context.Context, c *kubeapi.Cluster) error {
	for _, ns := range []string{nsShop, nsPlatform, nsEmpty} {
		if err := c.CreateNamespace(ctx, ns); err != nil {
			return err
		}
	}
	cs := c.Client()
	for _, s := range fixtureSecrets() {
		if _, err := cs.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create secret %s/%s: %w", s.Namespace, s.Name, err)
		}
	}
	for _, p := range fixturePDBs() {
		created, err := cs.PolicyV1().PodDisruptionBudgets(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create PDB %s/%s: %w", p.Namespace, p.Name, err)
		}
		if p.Name != "web-pdb" {
			continue
		}
		ev := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: "web-pdb.nopods"},
			InvolvedObject: corev1.ObjectReference{Kind: "PodDisruptionBudget", Namespace: nsShop, Name: "web-pdb", UID: created.UID, APIVersion: "policy/v1"},
			Type:           corev1.EventTypeNormal,
			Reason:         "NoPods",
			Message:        "No matching pods found",
			Count:          3,
			FirstTimestamp: metav1.NewTime(fixtureTime),
			LastTimestamp:  metav1.NewTime(fixtureTime.Add(time.Hour)),
			Source:         corev1.EventSource{Component: "controllermanager"},
		}
		if _, err := cs.CoreV1().Events(nsShop).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create event: %w", err)
		}
	}
	return nil
}
