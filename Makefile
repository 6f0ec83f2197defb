# otelcol-periscope: `make run` collects this host once; `make test` is what CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := build

GO ?= go
VERSION ?= 0.1.0-dev
BUILDER_VERSION := v0.161.0
# Tools are cached outside the work tree so a fresh clone on the same machine
# (CI) reuses them; Go's module and build caches are Go's defaults.
CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/otelcol-periscope
TOOLS_DIR := $(CACHE_DIR)/tools
BUILDER := $(TOOLS_DIR)/builder-$(BUILDER_VERSION)
MDATAGEN := $(TOOLS_DIR)/mdatagen-$(BUILDER_VERSION)

BIN := _build/otelcol-periscope
SOURCES := $(shell find . -name '*.go' -not -path './_build/*' -not -path './internal/tools/*') \
	Makefile go.mod go.sum builder-config.yaml cmd/otelcol-periscope/main.go.in $(wildcard distributions/*/config.yaml)
UNIT_PACKAGES = $(shell $(GO) list ./... | grep -v '/test/')
# Execution counts, not durations: a duration-bound run of go1.26 can fail
# spuriously with "context deadline exceeded" at its end (golang/go#75804).
FUZZTIME ?= 2000000x
FUZZ_SMOKE_TIME ?= 50000x

.PHONY: build build-windows image run test test-deps kube-binaries unit e2e fuzz fuzz-smoke bench lint generate clean

build: $(BIN)

$(BUILDER):
	@mkdir -p $(TOOLS_DIR)
	@echo "==> installing the OpenTelemetry Collector Builder $(BUILDER_VERSION)"
	GOBIN=$(TOOLS_DIR)/tmp $(GO) install go.opentelemetry.io/collector/cmd/builder@$(BUILDER_VERSION)
	mv $(TOOLS_DIR)/tmp/builder $@

$(BIN): $(BUILDER) $(SOURCES)
	@echo "==> generating the distribution from builder-config.yaml (a cold module cache downloads for a few minutes)"
	$(BUILDER) --config builder-config.yaml --skip-compilation
	cp cmd/otelcol-periscope/main.go.in _build/main.go
	@echo "==> compiling $(BIN) (cold: about 6 minutes on 2 cores; a dot per 25 packages)"
	cd _build && CGO_ENABLED=0 $(GO) build -v -buildvcs=false -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o otelcol-periscope . 2>&1 \
		| awk '/^#|: error|cannot |undefined:|\.go:[0-9]+:/ {print; next} {n++; if (n % 25 == 0) {printf "."; fflush()}} END {if (n) print " " n " packages compiled"}'
	@ls -lh $(BIN) | awk '{print "==> built " $$NF " (" $$5 ")"}'

# The Windows distribution (Periscope's periscope-windows image).
build-windows: $(BIN)
	@echo "==> compiling _build/otelcol-periscope.exe for windows/amd64"
	cd _build && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -buildvcs=false -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o otelcol-periscope.exe .
	@ls -lh _build/otelcol-periscope.exe | awk '{print "==> built " $$NF " (" $$5 ")"}'

# The container images without a registry or Docker (cmd/periscope-image,
# internal/image): OCI image layout tars of the exact binaries, for
# `ctr -n k8s.io images import`, `docker load` or `podman load`, then push to
# the registry the kustomize overlay names. deployment/Dockerfile builds the
# Linux one with Docker.
image: build build-windows
	$(GO) run ./cmd/periscope-image -os linux -bin $(BIN) -ref periscope-linux:$(VERSION) -o _build/periscope-linux.tar
	$(GO) run ./cmd/periscope-image -os windows -bin _build/otelcol-periscope.exe -ref periscope-windows:$(VERSION) -o _build/periscope-windows.tar

# Collects this host once with the embedded default config.
run: build
	@echo "==> collecting this host once into ./periscope-output"
	./$(BIN)

test: test-deps lint unit fuzz-smoke e2e

# System packages the tests use for real: iptables in a network namespace
# the test creates (iproute2); the real node of test/realnode (a kubelet
# started by the test runs pods through containerd and runc, with the CNI
# loopback plugin; conntrack is what the kubelet expects on a node);
# chromium loads report.html headless (test/report).
# Installed when missing (CI runs as root); none of them is started here.
TEST_DEBS := iptables iproute2 containerd runc containernetworking-plugins conntrack chromium
test-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "==> installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

unit:
	$(GO) test -race -count=1 $(UNIT_PACKAGES)
	@# Copying 1 GiB with bounded memory is too slow under -race: once without it.
	$(GO) test -count=1 -run 'BoundedMemory' ./exporter/periscopeexporter/

# Every fuzz target for a short, bounded time (seed corpora always run in unit).
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZ_SMOKE_TIME)

fuzz:
	@for file in $$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./_build/'); do \
		pkg=./$$(dirname $${file#./}); \
		for target in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$file | cut -d' ' -f2); do \
			echo "==> fuzzing $$pkg $$target for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
# metrics-server and the kubelet (test/realnode) for the Kubernetes tests,
# built once from the Go module proxy and cached (cold: about 17 minutes on
# 2 cores, the kubelet about a minute more).
kube-binaries:
	test/kubeapi/build.sh

e2e: build kube-binaries
	PERISCOPE_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 30m -v ./test/...

# Unit benchmarks, then those against real servers (API server, metrics
# API, Azurite): describe 1,000 pods, top, Diagnostic objects, helm decode;
# then container logs through the one-shot binary next to cp + zip, at
# 256 MiB and 1 GiB (test/logbench; fails when the issue's CPU or memory
# target is missed, reports wall clock).
bench: kube-binaries $(BIN)
	$(GO) test -run '^$$' -bench . -benchmem $(UNIT_PACKAGES)
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./test/kubeobjects/ ./test/systemperf/ ./test/diagnosticobject/ ./test/helmpdb/
	$(GO) run ./test/logbench -bin $(CURDIR)/$(BIN)
	@# report.html of a generated 1,000-node run: page size, build and browser load time.
	$(GO) test -run '^$$' -bench . -benchtime 3x ./test/report/

lint:
	@test -z "$$(gofmt -l $$(find . -name '*.go' -not -path './_build/*'))" || { gofmt -l $$(find . -name '*.go' -not -path './_build/*'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

# Regenerates internal/metadata of every component from its metadata.yaml.
generate: $(MDATAGEN)
	@for m in $$(find receiver exporter processor extension -name metadata.yaml -not -path '*/testdata/*' 2>/dev/null); do \
		echo "==> mdatagen $$m"; (cd $$(dirname $$m) && $(MDATAGEN) metadata.yaml); done

$(MDATAGEN):
	@mkdir -p $(TOOLS_DIR)
	cd internal/tools && $(GO) build -o $@ go.opentelemetry.io/collector/cmd/mdatagen

clean:
	rm -rf _build periscope-output
