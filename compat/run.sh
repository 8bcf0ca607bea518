#!/usr/bin/env bash
# Runs the compatibility suites (Clerk's real SDKs from npm and the Go module
# proxy) against a freshly started gatehouse binary, on SQLite and, when
# PostgreSQL is reachable, on PostgreSQL.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "${pg_schema:-}" ]; then psql -q "$PG_BASE" -c "DROP SCHEMA IF EXISTS $pg_schema CASCADE" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# Development keys make Clerk's SDKs report telemetry to Clerk; tests reach
# loopback only, so it is off (the browser suites also abort any request that
# is not for a loopback address).
export CLERK_TELEMETRY_DISABLED=1 NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED=1

echo "compat: building gatehouse"
(cd "$root" && go build -o "$work/gatehouse" ./cmd/gatehouse)

echo "compat: installing the Node SDKs (npm ci)"
(cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$here/browser" && npm ci --no-audit --no-fund --loglevel=error)
CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium || true)}"
export CHROMIUM_PATH
if [ -z "$CHROMIUM_PATH" ]; then
  if [ "${CI:-}" = "true" ]; then echo "compat: Chromium is missing; .ci/run installs Debian's chromium"; exit 1; fi
  echo "compat: Chromium not found (apt-get install chromium); the clerk-js browser suite will be skipped"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_server() { # $1 = engine label, $2 = database url ("" for SQLite)
  local port data
  port="$(free_port)"
  data="$work/data-$1"
  mkdir -p "$data"
  # $3 = optional --issuer. By default the issuer is the public URL, whose host
  # is the publishable key's: @clerk/backend treats a session token whose iss
  # differs from that host as another instance's (it then reads suffixed cookies).
  export GATEHOUSE_ISSUER="${3:-http://127.0.0.1:$port}"
  export GATEHOUSE_ENGINE="$1"
  # Rate limits off: the suites drive dozens of sign-ups and sign-ins per
  # second from one loopback address, which Clerk's per-IP limits (rightly)
  # refuse. The limits have their own tests (internal/fapi/ratelimit_test.go).
  "$work/gatehouse" serve --listen "127.0.0.1:$port" --data-dir "$data" ${2:+--database-url "$2"} --log-format text --webhook-allow-private \
    --issuer "$GATEHOUSE_ISSUER" --rate-limits off \
    >"$work/$1.out" 2>"$work/$1.log" &
  server_pid=$!
  for _ in $(seq 1 150); do
    if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if ! curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
    echo "compat: server ($1) did not become ready"; cat "$work/$1.out" "$work/$1.log"; exit 1
  fi
  export GATEHOUSE_URL="http://127.0.0.1:$port"
  export GATEHOUSE_API_URL="$GATEHOUSE_URL/api"
  GATEHOUSE_SECRET_KEY="$(awk '/secret_key:/ {print $2}' "$work/$1.out")"
  GATEHOUSE_PUBLISHABLE_KEY="$(awk '/publishable_key:/ {print $2}' "$work/$1.out")"
  export GATEHOUSE_SECRET_KEY GATEHOUSE_PUBLISHABLE_KEY
  GATEHOUSE_JWT_KEY="$("$work/gatehouse" keys show --data-dir "$data" ${2:+--database-url "$2"} --public-url "$GATEHOUSE_URL" 2>/dev/null | sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p')"
  export GATEHOUSE_JWT_KEY
  if [ -z "$GATEHOUSE_SECRET_KEY" ] || [ -z "$GATEHOUSE_JWT_KEY" ]; then
    echo "compat: could not read the keys of the $1 server"; cat "$work/$1.out"; exit 1
  fi
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run_suites() { # $1 = engine label
  echo "compat: [$1] @clerk/backend (node --test)"
  if ! (cd "$here/node" && npm test --silent); then echo "compat: server log ($1):"; tail -50 "$work/$1.log"; exit 1; fi
  if [ -n "$CHROMIUM_PATH" ]; then
    echo "compat: [$1] clerk-js in headless Chromium (node --test)"
    if ! (cd "$here/browser" && npm test --silent); then echo "compat: server log ($1):"; tail -50 "$work/$1.log"; exit 1; fi
  fi
  echo "compat: [$1] clerk-sdk-go (go test)"
  if ! (cd "$here/go" && go test -count=1 ./...); then echo "compat: server log ($1):"; tail -50 "$work/$1.log"; exit 1; fi
}

start_server sqlite ""
run_suites sqlite
stop_server

# clerk-sdk-go without ProxyURL accepts only issuers like https://clerk.<domain>.
start_server sqlite-clerk-issuer "" "https://clerk.gatehouse.test"
echo "compat: [sqlite, issuer https://clerk.gatehouse.test] clerk-sdk-go (go test)"
if ! (cd "$here/go" && go test -count=1 -run TestVerifyOurSessionToken ./...); then tail -50 "$work/sqlite-clerk-issuer.log"; exit 1; fi
stop_server

PG_BASE="${GATEHOUSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v psql >/dev/null; then
  pg_schema="gh_compat_$$"
  psql -q "$PG_BASE" -c "CREATE SCHEMA $pg_schema" >/dev/null
  sep='?'; case "$PG_BASE" in *\?*) sep='&';; esac
  start_server postgres "${PG_BASE}${sep}search_path=$pg_schema"
  run_suites postgres
  stop_server
else
  if [ "${CI:-}" = "true" ]; then echo "compat: PostgreSQL is not reachable; CI needs it"; exit 1; fi
  echo "compat: PostgreSQL not reachable; skipping the PostgreSQL run"
fi
echo "compat: all suites passed"
