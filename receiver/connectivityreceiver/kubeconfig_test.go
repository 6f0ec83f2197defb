package connectivityreceiver

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKubeconfigCluster(t *testing.T) {
	aks := mustRead(t, filepath.Join("testdata", "kubeconfig", "aks.yaml"))
	const caPEM = "-----BEGIN CERTIFICATE-----\n"
	caData := base64.StdEncoding.EncodeToString([]byte(caPEM))
	tests := []struct {
		name    string
		in      string
		want    kubeCluster
		wantErr string
	}{
		{name: "current context of az aks get-credentials; its relative CA file is next to the kubeconfig", in: string(aks),
			want: kubeCluster{Name: "myaks", Server: "https://myaks-dns-1234.hcp.westeurope.azmk8s.io:443", CAFile: "/home/u/.kube/ca.pem"}},
		{name: "single cluster without a current context; certificate-authority-data is decoded",
			in:   "clusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:443\n    certificate-authority-data: " + caData + "\n",
			want: kubeCluster{Name: "c", Server: "https://10.0.0.1:443", CAData: []byte(caPEM)}},
		{name: "an absolute CA file stays as written",
			in:   "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: 'https://x:6443', certificate-authority: /etc/k/ca.crt}\n",
			want: kubeCluster{Name: "c", Server: "https://x:6443", CAFile: "/etc/k/ca.crt"}},
		{name: "tls-server-name and insecure-skip-tls-verify are kept",
			in:   "clusters:\n- name: c\n  cluster: {server: 'https://10.0.0.1:443', tls-server-name: api.internal, insecure-skip-tls-verify: true}\n",
			want: kubeCluster{Name: "c", Server: "https://10.0.0.1:443", ServerName: "api.internal", Insecure: true}},
		{name: "users are neither validated nor read (a missing client certificate, an exec plugin)",
			in: "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: 'https://x'}\n" +
				"users:\n- name: u\n  user:\n    client-certificate: /nowhere/cert.pem\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: /nowhere/kubelogin, interactiveMode: Never}\n",
			want: kubeCluster{Name: "c", Server: "https://x"}},
		{name: "JSON, which kubectl reads too",
			in:   `{"apiVersion":"v1","kind":"Config","current-context":"x","contexts":[{"name":"x","context":{"cluster":"c"}}],"clusters":[{"name":"c","cluster":{"server":"https://x"}}]}`,
			want: kubeCluster{Name: "c", Server: "https://x"}},
		{name: "not yaml", in: "clusters: [", wantErr: "not a kubeconfig: "},
		{name: "another kind of object", in: "apiVersion: v1\nkind: Pod\n", wantErr: "not a kubeconfig: "},
		{name: "CA data that is not base64", in: "clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority-data: '***'}\n", wantErr: "not a kubeconfig: "},
		{name: "unknown current context", in: "current-context: gone\ncontexts: []\n", wantErr: `current-context "gone" is not among its contexts`},
		{name: "ambiguous", in: "clusters:\n- name: a\n- name: b\n", wantErr: "no current-context, and 2 clusters to choose from"},
		{name: "empty", in: "", wantErr: "no current-context, and 0 clusters to choose from"},
		{name: "context without cluster", in: "current-context: x\ncontexts:\n- name: x\n  context: {}\n", wantErr: "the current context names no cluster"},
		{name: "missing cluster", in: "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n", wantErr: `cluster "c" is not among its clusters`},
		{name: "no server", in: "clusters:\n- name: c\n  cluster: {}\n", wantErr: `cluster "c" has no server`},
		{name: "server not a URL", in: "clusters:\n- name: c\n  cluster: {server: 'tcp://x:1'}\n", wantErr: `cluster "c" server "tcp://x:1": scheme "tcp" is not http or https`},
		{name: "insecure with a CA, which client-go refuses too", in: "clusters:\n- name: c\n  cluster: {server: 'https://x', insecure-skip-tls-verify: true, certificate-authority: ca.pem}\n",
			wantErr: `cluster "c" sets insecure-skip-tls-verify together with a certificate authority`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kubeconfigCluster("/home/u/.kube/config", []byte(tt.in))
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// The API server target built from a kubeconfig on disk is checked as
// kubectl would check it: its CA file (relative to the kubeconfig), its
// tls-server-name, its insecure-skip-tls-verify. The server is a real TLS
// listener on 127.0.0.1.
func TestKubeconfigTLSSettingsReachTheProbe(t *testing.T) {
	l := newLab(t)
	caPEM := mustRead(t, l.pki.caFile)
	tests := []struct {
		name      string
		cluster   string // the cluster's fields besides server
		wantClass errorClass
	}{
		{name: "the kubeconfig's CA verifies the server", cluster: "certificate-authority: ca.pem"},
		{name: "certificate-authority-data", cluster: "certificate-authority-data: " + base64.StdEncoding.EncodeToString(caPEM)},
		{name: "tls-server-name among the certificate's names", cluster: "certificate-authority: ca.pem\n    tls-server-name: denied." + testZone},
		{name: "tls-server-name not among them", cluster: "certificate-authority: ca.pem\n    tls-server-name: elsewhere." + testZone, wantClass: classTLSCertificate},
		{name: "no CA: the system roots do not know the test CA", cluster: "disable-compression: true", wantClass: classTLSUnknownAuthority},
		{name: "insecure-skip-tls-verify", cluster: "insecure-skip-tls-verify: true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o600))
			kubeconfig := filepath.Join(dir, "config")
			require.NoError(t, os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\ncurrent-context: lab\n"+
				"contexts:\n- name: lab\n  context: {cluster: lab, user: lab}\n"+
				"clusters:\n- name: lab\n  cluster:\n    server: https://"+l.https+"\n    "+tt.cluster+"\n"+
				"users:\n- name: lab\n  user: {token: fixture-token-never-sent}\n"), 0o600))

			cfg := defaultsOn()
			cfg.DefaultTargets.Kubeconfig = kubeconfig
			targets, err := resolveTargets(cfg, processEnvironment)
			require.NoError(t, err)
			var api *target
			for _, tg := range targets {
				if tg.Name == targetAPIServer {
					api = tg
				}
			}
			require.NotNil(t, api)
			assert.Equal(t, "https://"+l.https+"/healthz", api.Endpoint)

			r := testProber(t, l.dnsAddr).probe(context.Background(), api)
			assert.Equal(t, tt.wantClass, r.class, "probe error: %v", r.err)
		})
	}
}
