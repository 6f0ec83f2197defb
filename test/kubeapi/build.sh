#!/usr/bin/env bash
# build.sh — builds the Kubernetes test binaries (etcd, kube-apiserver, kubectl, metrics-server,
# kube-controller-manager, kube-scheduler, kubelet) from the Go module proxy, in throw-away wrapper modules
# under a temp dir. The product's go.mod is never touched.
#
#   build.sh [binary...]      default: all of them
#
# Binaries are cached per version under ${PERISCOPE_CACHE:-~/.cache/otelcol-periscope}:
#   kube-v1.37.0/{kube-apiserver,kubectl,kubelet,...}   etcd-v3.6.16/etcd
#   metrics-server-v0.8.0/metrics-server
# Each binary is linked into a temp file and renamed into place, so a killed build never leaves a
# half-written cache entry; an flock serialises concurrent callers (several test binaries at once).
# The last line printed on success is "ok <cache root>".
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.37.0}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
METRICS_SERVER_VERSION=${METRICS_SERVER_VERSION:-v0.8.0}
CACHE=${PERISCOPE_CACHE:-$HOME/.cache/otelcol-periscope}
KUBE_DIR=$CACHE/kube-$KUBE_VERSION
ETCD_DIR=$CACHE/etcd-$ETCD_VERSION
MS_DIR=$CACHE/metrics-server-$METRICS_SERVER_VERSION

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(etcd kube-apiserver kubectl metrics-server kube-controller-manager kube-scheduler kubelet)

mkdir -p "$KUBE_DIR" "$ETCD_DIR" "$MS_DIR"
exec 9>"$CACHE/.kube-build.lock"
flock 9

missing_kube=()
need_etcd=0
need_ms=0
for b in "${wanted[@]}"; do
  case $b in
    etcd) [ -x "$ETCD_DIR/etcd" ] || need_etcd=1 ;;
    metrics-server) [ -x "$MS_DIR/metrics-server" ] || need_ms=1 ;;
    kube-apiserver|kubectl|kube-controller-manager|kube-scheduler|kubelet)
      [ -x "$KUBE_DIR/$b" ] || missing_kube+=("$b") ;;
    *) echo "build.sh: unknown binary $b (known: etcd kube-apiserver kubectl metrics-server kube-controller-manager kube-scheduler kubelet)" >&2; exit 2 ;;
  esac
done

if [ $need_etcd -eq 0 ] && [ $need_ms -eq 0 ] && [ ${#missing_kube[@]} -eq 0 ]; then
  echo "ok $CACHE"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/periscope-kube-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOWORK=off

if [ $need_etcd -eq 1 ]; then
  echo "build.sh: building etcd $ETCD_VERSION (about 40 s cold)" >&2
  start=$(date +%s)
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init periscope.invalid/etcdbuild >/dev/null 2>&1
  cat > tools.go <<GO
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  go mod edit -require=go.etcd.io/etcd/server/v3@$ETCD_VERSION
  go mod tidy
  go build -trimpath -o "$ETCD_DIR/.etcd.tmp" go.etcd.io/etcd/server/v3
  mv -f "$ETCD_DIR/.etcd.tmp" "$ETCD_DIR/etcd"
  echo "build.sh: etcd built in $(( $(date +%s) - start )) s" >&2
fi

if [ $need_ms -eq 1 ]; then
  echo "build.sh: building metrics-server $METRICS_SERVER_VERSION (about 3 min cold)" >&2
  start=$(date +%s)
  mkdir -p "$work/metrics-server" && cd "$work/metrics-server"
  go mod init periscope.invalid/metricsserverbuild >/dev/null 2>&1
  cat > tools.go <<GO
//go:build tools

package tools

import _ "sigs.k8s.io/metrics-server/cmd/metrics-server"
GO
  go mod edit -require=sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION
  go mod tidy
  go build -trimpath -ldflags "-X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION" \
    -o "$MS_DIR/.metrics-server.tmp" sigs.k8s.io/metrics-server/cmd/metrics-server
  mv -f "$MS_DIR/.metrics-server.tmp" "$MS_DIR/metrics-server"
  echo "build.sh: metrics-server built in $(( $(date +%s) - start )) s" >&2
fi

if [ ${#missing_kube[@]} -gt 0 ]; then
  echo "build.sh: building ${missing_kube[*]} $KUBE_VERSION (about 7 min cold on 2 cores for apiserver + kubectl, a few more with the controller-manager, scheduler and kubelet)" >&2
  start=$(date +%s)
  mkdir -p "$work/kube" && cd "$work/kube"
  go mod init periscope.invalid/kubebuild >/dev/null 2>&1
  gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -f "$gomod" ] || { echo "build.sh: cannot download k8s.io/kubernetes@$KUBE_VERSION go.mod" >&2; exit 1; }
  # Staging modules are replaced by ./staging/src/... in kubernetes' go.mod; outside its repo they
  # are published as k8s.io/X v0.<minor>.<patch>.
  staging_version=v0.${KUBE_VERSION#v1.}
  go mod edit -require=k8s.io/kubernetes@$KUBE_VERSION
  for m in $(sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#\1#p' "$gomod" | grep -v '^k8s.io/sample-'); do
    go mod edit -replace="$m=$m@$staging_version"
  done
  {
    echo '//go:build tools'
    echo
    echo 'package tools'
    echo
    echo 'import ('
    for b in "${missing_kube[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$b\""; done
    echo ')'
  } > tools.go
  go mod tidy
  minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  ldflags="-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  for b in "${missing_kube[@]}"; do
    go build -trimpath -ldflags "$ldflags" -o "$KUBE_DIR/.$b.tmp" "k8s.io/kubernetes/cmd/$b"
    mv -f "$KUBE_DIR/.$b.tmp" "$KUBE_DIR/$b"
    echo "build.sh: $b built ($(( $(date +%s) - start )) s so far)" >&2
  done
fi
echo "ok $CACHE"
