#!/usr/bin/env bash
# The Pulumi engine this project runs, at the version of @pulumi/pulumi pinned in package.json.
#
#   scripts/pulumi/engine.sh [pulumi args...]   run it (what `npm run pulumi -- <args>` does)
#   scripts/pulumi/engine.sh --env              print the environment it runs with (KEY=VALUE lines)
#   scripts/pulumi/engine.sh --ensure           only make sure it exists; print the folder of `pulumi`
#
# Which engine: a `pulumi` already on PATH (installed the normal way) when it is that version; else the
# one built from the Go module proxy into ~/.cache/schoolnet/pulumi/<version>/ (or $SCHOOLNET_PULUMI_CACHE),
# built the first time it is needed and reused after (idempotent; rebuilt only for a new version).
# The build: a throwaway main module requiring github.com/pulumi/pulumi/pkg/v3 and sdk/v3 at that version
# (their own go.mod `replace` lines make `go install module@version` refuse them; a dependency's replace
# lines are ignored), then `go build` of pkg/v3/cmd/pulumi as the release does: CGO_ENABLED=0, -trimpath,
# tags osusergo,grpcnotrace, and the version in sdk/v3/go/common/version.Version (without it
# `pulumi version` prints nothing). The Node.js language host (sdk/nodejs/cmd/pulumi-language-nodejs/v3)
# is refused by the module proxy: scripts/pulumi/language-host.ts stands in for it (see that file).
# Tried again on 2026-12-06 (go1.26.8, GOPROXY=https://proxy.golang.org, GOFLAGS=-mod=mod):
#   go list -m -versions .../pulumi-language-nodejs/v3  -> reading .../@v/list: 403 Forbidden
#   go get .../pulumi-language-nodejs/v3@v3.248.0       -> reading .../@v/v3.248.0.info: 403 Forbidden
#   (server response both times: "This module version is not available.")
# Again at 10:05 and 10:21 UTC the same day, for `@latest` (reading .../@v/list: 403 Forbidden), the list
# (`-versions`) and the release commit's pseudo-version v3.0.0-20260624120734-a88168d865b7 (.info: 403),
# each with the same server response.
#
# The environment: no update check and no plugin downloads (PULUMI_SKIP_UPDATE_CHECK,
# PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION); on PATH, the engine, the dynamic-provider host
# (pulumi-resource-pulumi-nodejs, shipped in node_modules/@pulumi/pulumi) and, where no real language
# host sits next to the engine, the stand-in.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

VERSION="$(sed -n 's/^ *"@pulumi\/pulumi": *"\([0-9][0-9.]*\)".*/\1/p' "$ROOT/package.json" | head -1)"
if [ -z "$VERSION" ]; then
  echo "engine.sh: package.json must pin @pulumi/pulumi to an exact version (\"3.248.0\", not a range)" >&2
  exit 2
fi
CACHE="${SCHOOLNET_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/schoolnet/pulumi}/$VERSION"

version_of() { "$1" version 2>/dev/null | tr -d '[:space:]' || true; }

find_go() {
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  if [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; return; fi
  echo "engine.sh: Go is needed to build the Pulumi engine $VERSION and was not found (PATH, /usr/local/go/bin)." >&2
  echo "  Install Pulumi the normal way instead (see docs/pulumi.md), or install Go 1.25+." >&2
  exit 2
}

build() {
  local go work started
  go="$(find_go)"
  mkdir -p "$CACHE"
  work="$CACHE/build"
  rm -rf "$work" && mkdir -p "$work"
  started=$(date +%s)
  echo "engine.sh: building the Pulumi engine v$VERSION from the Go module proxy into $CACHE (first use only; several minutes)" >&2
  (
    cd "$work"
    # On a shared developer machine one package at a time (others keep some CPU); in CI all cores.
    local p="-p=1"
    [ "${CI:-}" = "true" ] && p=""
    export GOFLAGS="${SCHOOLNET_GOFLAGS:-$p} -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
    "$go" mod init schoolnet-pulumi-engine >/dev/null 2>&1
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >tools.go
    "$go" get "github.com/pulumi/pulumi/pkg/v3@v$VERSION" "github.com/pulumi/pulumi/sdk/v3@v$VERSION" >&2
    "$go" mod tidy >&2
    # The release's pair: the CLI of pkg/v3 X.Y.Z with sdk/v3 X.Y.Z (tidy must not have moved it).
    grep -q "github.com/pulumi/pulumi/sdk/v3 v$VERSION" go.mod || {
      echo "engine.sh: go mod tidy moved github.com/pulumi/pulumi/sdk/v3 away from v$VERSION" >&2
      exit 1
    }
    nice -n 10 "$go" build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" \
      -o "$CACHE/pulumi.new" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  )
  mv -f "$CACHE/pulumi.new" "$CACHE/pulumi"
  rm -rf "$work"
  echo "engine.sh: built $("$CACHE/pulumi" version) in $(($(date +%s) - started)) s" >&2
}

# The folder of the `pulumi` to run, building it if needed.
ensure() {
  local onpath
  onpath="$(command -v pulumi 2>/dev/null || true)"
  if [ -n "$onpath" ] && [ "$(version_of "$onpath")" = "v$VERSION" ]; then
    dirname "$(readlink -f "$onpath")"
    return
  fi
  if [ "$(version_of "$CACHE/pulumi")" != "v$VERSION" ]; then
    mkdir -p "$CACHE"
    # One build at a time (parallel test workers, two shells); the others wait and reuse it.
    exec 9>"$CACHE/.lock"
    flock 9
    [ "$(version_of "$CACHE/pulumi")" = "v$VERSION" ] || build
    flock -u 9
  fi
  echo "$CACHE"
}

engine_env() {
  local dir="$1" path="$1"
  [ -x "$dir/pulumi-language-nodejs" ] || path="$path:$ROOT/scripts/pulumi/bin"
  path="$path:$ROOT/node_modules/@pulumi/pulumi"
  echo "PATH=$path:$PATH"
  echo "PULUMI_SKIP_UPDATE_CHECK=true"
  echo "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
}

case "${1:-}" in
  --ensure) ensure ;;
  --env) engine_env "$(ensure)" ;;
  *)
    dir="$(ensure)"
    while IFS= read -r line; do export "${line?}"; done < <(engine_env "$dir")
    exec "$dir/pulumi" "$@"
    ;;
esac
