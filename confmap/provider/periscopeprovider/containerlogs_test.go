package periscopeprovider

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/periscope-otel/periscope/internal/settings"
)

func TestContainerLogFiles(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []any
	}{
		{"Periscope's default: kube-system", map[string]string{EnvRootPath: "/hostroot"},
			[]any{"/hostroot/var/log/pods/kube-system_*/*/*.log"}},
		{"namespaces and container prefixes, bad entries left out", map[string]string{
			settings.ContainerLogsList: "kube-system/tunnelfront  default a/b/c/d kube-system/tunnelfront",
		}, []any{"/var/log/pods/kube-system_*/tunnelfront*/*.log", "/var/log/pods/default_*/*/*.log"}},
		{"quoted list", map[string]string{EnvRootPath: "/h", settings.ContainerLogsList: `"kube-system default"`},
			[]any{"/h/var/log/pods/kube-system_*/*/*.log", "/h/var/log/pods/default_*/*/*.log"}},
		{"nothing usable: a pattern that says so", map[string]string{settings.ContainerLogsList: "Bad_NS"},
			[]any{"/var/log/pods/no-usable-DIAGNOSTIC_CONTAINERLOGS_LIST-entry/*.log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newTestProvider(tt.env, "h").Retrieve(context.Background(), "periscope:containerlogs_files", nil)
			require.NoError(t, err)
			got, err := r.AsRaw()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
