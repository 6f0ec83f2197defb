package periscopeprovider

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/internal/settings"
)

func newTestProvider(env map[string]string, host string) *provider {
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	return &provider{
		logger: zap.NewNop(),
		source: settings.Source{Env: lookup, ConfigDir: env[settings.EnvConfigDir], SecretDir: env[settings.EnvSecretDir]},
		hostname: func() (string, error) {
			if host == "" {
				return "", errors.New("no hostname")
			}
			return host, nil
		},
		now: func() time.Time { return time.Date(2026, 11, 28, 23, 5, 9, 0, time.FixedZone("x", 3600)) },
	}
}

func retrieve(t *testing.T, p *provider, uri string) (string, error) {
	t.Helper()
	r, err := p.Retrieve(context.Background(), uri, nil)
	if err != nil {
		return "", err
	}
	v, err := r.AsRaw()
	require.NoError(t, err)
	return v.(string), nil
}

func TestRunID(t *testing.T) {
	noFiles := map[string]string{settings.EnvConfigDir: t.TempDir()}

	v, err := retrieve(t, newTestProvider(noFiles, "h"), "periscope:run_id")
	require.NoError(t, err)
	assert.Equal(t, "2026-11-28T22-05-09Z", v, "generated in UTC, Periscope's format")
	assert.Regexp(t, regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$`), v)

	env := map[string]string{settings.RunID: " 2026-01-02T03-04-05Z\n", settings.EnvConfigDir: t.TempDir()}
	v, err = retrieve(t, newTestProvider(env, "h"), "periscope:run_id")
	require.NoError(t, err)
	assert.Equal(t, "2026-01-02T03-04-05Z", v)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, settings.RunID), []byte("from-configmap\n"), 0o644))
	v, err = retrieve(t, newTestProvider(map[string]string{settings.EnvConfigDir: dir}, "h"), "periscope:run_id")
	require.NoError(t, err)
	assert.Equal(t, "from-configmap", v)

	_, err = retrieve(t, newTestProvider(map[string]string{settings.RunID: "a/b"}, "h"), "periscope:run_id")
	assert.ErrorContains(t, err, "run ID from $DIAGNOSTIC_RUN_ID")
	assert.ErrorContains(t, err, "path separator")
}

func TestGeneratedRunIDIsStableWithinAProcess(t *testing.T) {
	p := newTestProvider(map[string]string{settings.EnvConfigDir: t.TempDir()}, "h")
	first, err := retrieve(t, p, "periscope:run_id")
	require.NoError(t, err)
	p.now = func() time.Time { return time.Now().Add(time.Hour) }
	second, err := retrieve(t, p, "periscope:run_id")
	require.NoError(t, err)
	assert.Equal(t, first, second)
}

func TestNodeName(t *testing.T) {
	v, err := retrieve(t, newTestProvider(map[string]string{EnvNodeName: "aks-nodepool1-0"}, "h"), "periscope:node_name")
	require.NoError(t, err)
	assert.Equal(t, "aks-nodepool1-0", v)

	v, err = retrieve(t, newTestProvider(nil, "myhost"), "periscope:node_name")
	require.NoError(t, err)
	assert.Equal(t, "myhost", v)

	_, err = retrieve(t, newTestProvider(nil, ""), "periscope:node_name")
	assert.ErrorContains(t, err, "HOST_NODE_NAME is unset")
}

func TestUnknownValue(t *testing.T) {
	_, err := retrieve(t, newTestProvider(nil, "h"), "periscope:cluster")
	assert.ErrorContains(t, err, `unknown value "cluster"`)
	_, err = retrieve(t, newTestProvider(nil, "h"), "env:X")
	assert.Error(t, err)
}

// A new run ID in the ConfigMap file asks for a reload, once; an invalid
// one is ignored and the current run goes on.
func TestRunIDChangeInTheConfigMapFileTriggersReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, settings.RunID)
	require.NoError(t, os.WriteFile(file, []byte("run-1"), 0o644))
	p := newTestProvider(map[string]string{settings.EnvConfigDir: dir, EnvPoll: "5ms"}, "h")

	changes := make(chan *confmap.ChangeEvent, 10)
	r, err := p.Retrieve(context.Background(), "periscope:run_id", func(e *confmap.ChangeEvent) { changes <- e })
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close(context.Background())) }()
	v, err := r.AsRaw()
	require.NoError(t, err)
	require.Equal(t, "run-1", v)

	require.NoError(t, os.WriteFile(file, []byte("bad/id"), 0o644))
	select {
	case <-changes:
		t.Fatal("an invalid run ID must not trigger a reload")
	case <-time.After(100 * time.Millisecond):
	}

	require.NoError(t, os.WriteFile(file, []byte("run-2\n"), 0o644))
	select {
	case e := <-changes:
		assert.NoError(t, e.Error)
	case <-time.After(10 * time.Second):
		t.Fatal("no reload after the run ID changed")
	}
	select {
	case <-changes:
		t.Fatal("one change, one reload")
	case <-time.After(50 * time.Millisecond):
	}
}

// A run ID fixed by the environment cannot change: nothing is watched.
func TestRunIDFromEnvironmentIsNotWatched(t *testing.T) {
	dir := t.TempDir()
	p := newTestProvider(map[string]string{settings.RunID: "run-1", settings.EnvConfigDir: dir, EnvPoll: "5ms"}, "h")
	called := make(chan struct{}, 1)
	r, err := p.Retrieve(context.Background(), "periscope:run_id", func(*confmap.ChangeEvent) { called <- struct{}{} })
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, settings.RunID), []byte("run-2"), 0o644))
	select {
	case <-called:
		t.Fatal("environment run ID must not be watched")
	case <-time.After(100 * time.Millisecond):
	}
	require.NoError(t, r.Close(context.Background()))
}

// Every ${periscope:run_id} of a config shares one poll: one change, one reload.
func TestSeveralReferencesShareOnePoll(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, settings.RunID)
	require.NoError(t, os.WriteFile(file, []byte("run-1"), 0o644))
	p := newTestProvider(map[string]string{settings.EnvConfigDir: dir, EnvPoll: "5ms"}, "h")
	changes := make(chan struct{}, 10)
	watcher := func(*confmap.ChangeEvent) { changes <- struct{}{} }
	var retrieved []*confmap.Retrieved
	for range 3 {
		r, err := p.Retrieve(context.Background(), "periscope:run_id", watcher)
		require.NoError(t, err)
		retrieved = append(retrieved, r)
	}
	require.NoError(t, os.WriteFile(file, []byte("run-2"), 0o644))
	select {
	case <-changes:
	case <-time.After(10 * time.Second):
		t.Fatal("no reload")
	}
	time.Sleep(50 * time.Millisecond)
	assert.Empty(t, changes, "three references, still one reload")
	for _, r := range retrieved {
		require.NoError(t, r.Close(context.Background()))
	}
	assert.Zero(t, p.watchRefs)
}

func TestPeriscopeKeys(t *testing.T) {
	configDir, secretDir := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(configDir, settings.KubeObjectsList), []byte("ns1/pod  'ns2/deployment/web'\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(secretDir, "AZURE_BLOB_SAS_KEY"), []byte("?sv=2022&sig=abc"), 0o644))
	p := newTestProvider(map[string]string{
		settings.EnvConfigDir:      configDir,
		settings.EnvSecretDir:      secretDir,
		settings.NodeLogsLinux:     `"/var/log/azure/cluster-provision.log /var/log/cloud-init.log"`,
		settings.NodeLogsWindows:   `C:\AzureData\CustomDataSetupScript.log`,
		EnvRootPath:                "/hostroot",
		settings.ContainerLogsList: "kube-system \"unbalanced",
	}, "h")
	get := func(uri string) (any, error) {
		r, err := p.Retrieve(context.Background(), uri, nil)
		if err != nil {
			return nil, err
		}
		return r.AsRaw()
	}

	v, err := get("periscope:list:" + settings.KubeObjectsList)
	require.NoError(t, err)
	assert.Equal(t, []any{"ns1/pod", "ns2/deployment/web"}, v)

	v, err = get("periscope:" + settings.KubeObjectsList)
	require.NoError(t, err)
	assert.Equal(t, "ns1/pod  'ns2/deployment/web'", v)

	v, err = get("periscope:" + settings.CollectorList)
	require.NoError(t, err)
	assert.Equal(t, "", v, "unset key: Periscope's default")

	// node_logs and filelog read the same list: this OS's.
	v, err = get("periscope:nodelogs_paths")
	require.NoError(t, err)
	files, err := get("periscope:nodelogs_files")
	require.NoError(t, err)
	if runtime.GOOS == "windows" {
		assert.Equal(t, []any{`C:\AzureData\CustomDataSetupScript.log`}, v)
		assert.Equal(t, []any{`C:\AzureData\CustomDataSetupScript.log`}, files, "a drive path is not joined under the root")
	} else {
		assert.Equal(t, []any{"/var/log/azure/cluster-provision.log", "/var/log/cloud-init.log"}, v)
		assert.Equal(t, []any{"/hostroot/var/log/azure/cluster-provision.log", "/hostroot/var/log/cloud-init.log"}, files)
	}

	v, err = get("periscope:secret:AZURE_BLOB_SAS_KEY")
	require.NoError(t, err)
	assert.Equal(t, "?sv=2022&sig=abc", v)

	// A stray quote does not stop the collector: the entry keeps it (its
	// receiver names it as malformed) and the log says which list.
	core, logs := observer.New(zap.InfoLevel)
	p.logger = zap.New(core)
	v, err = get("periscope:list:" + settings.ContainerLogsList)
	require.NoError(t, err)
	assert.Equal(t, []any{"kube-system", `"unbalanced`}, v)
	require.Equal(t, 1, logs.Len())
	assert.Equal(t, "DIAGNOSTIC_CONTAINERLOGS_LIST", logs.All()[0].ContextMap()["key"])
	assert.Equal(t, "$DIAGNOSTIC_CONTAINERLOGS_LIST", logs.All()[0].ContextMap()["from"])
	assert.Contains(t, logs.All()[0].ContextMap()["error"], `unbalanced " quote`)

	_, err = get("periscope:lowercase")
	assert.ErrorContains(t, err, `unknown value "lowercase"`)
	_, err = get("periscope:csv:X")
	assert.ErrorContains(t, err, "kinds are list, paths, secret and setting")
}

func TestAzureBlobAuthFollowsPeriscopeSASKeyType(t *testing.T) {
	for value, want := range map[string]string{"": "account_sas", "Container": "container_sas", " container\n": "container_sas", "Account": "account_sas"} {
		env := map[string]string{}
		if value != "" {
			env["AZURE_STORAGE_SAS_KEY_TYPE"] = value
		}
		r, err := newTestProvider(env, "h").Retrieve(context.Background(), "periscope:azure_blob_auth", nil)
		require.NoError(t, err)
		got, err := r.AsRaw()
		require.NoError(t, err)
		assert.Equal(t, want, got, "AZURE_STORAGE_SAS_KEY_TYPE=%q", value)
	}
}
