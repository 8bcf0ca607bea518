# Shared by run.sh and run-production.sh (sourced, not run). Expects $here,
# $root, $work, the arrays pids and gh_pid, and a say function.

# Sets CHROMIUM_PATH, or exits: 1 in CI (.ci/run installs chromium), 0 elsewhere.
need_chromium() {
  CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium || true)}"
  export CHROMIUM_PATH
  if [ -n "$CHROMIUM_PATH" ]; then return 0; fi
  if [ "${CI:-}" = "true" ]; then say "Chromium is missing; .ci/run installs Debian's chromium"; exit 1; fi
  say "Chromium not found (apt-get install chromium); skipping"; exit 0
}

# Sets gh_bin: $GATEHOUSE_BIN, or a binary built from this checkout.
gatehouse_binary() {
  if [ -n "${GATEHOUSE_BIN:-}" ]; then gh_bin="$GATEHOUSE_BIN"; return 0; fi
  say "building gatehouse"
  (cd "$root" && go build -o "$work/gatehouse" ./cmd/gatehouse)
  gh_bin="$work/gatehouse"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_http() { # $1 url, $2 pid, $3 what, then extra curl arguments
  local u="$1" p="$2" what="$3"; shift 3
  for _ in $(seq 1 300); do
    if curl -skf -o /dev/null "$@" "$u"; then return 0; fi
    if ! kill -0 "$p" 2>/dev/null; then break; fi
    sleep 0.1
  done
  say "$what did not become ready at $u"; return 1
}

# npm ci unless node_modules was installed from the current package-lock.json.
npm_ci() { # $1 directory
  if [ "$1/node_modules/.package-lock.json" -nt "$1/package-lock.json" ]; then return 0; fi
  (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
}

PG_BASE="${GATEHOUSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
# Sets url to a fresh schema $1 on PostgreSQL (cleanup drops $pg_schema);
# returns 1 when PostgreSQL is not reachable (exits in CI, which needs it).
pg_fresh_schema() { # $1 schema name
  if ! { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v psql >/dev/null; }; then
    if [ "${CI:-}" = "true" ]; then say "PostgreSQL is not reachable; CI needs it"; exit 1; fi
    say "PostgreSQL not reachable; skipping the PostgreSQL run"; return 1
  fi
  pg_schema="$1"
  psql -q "$PG_BASE" -c "DROP SCHEMA IF EXISTS $pg_schema CASCADE; CREATE SCHEMA $pg_schema" >/dev/null
  local sep='?'; case "$PG_BASE" in *\?*) sep='&';; esac
  url="${PG_BASE}${sep}search_path=$pg_schema"
}

stop_gatehouse() { kill "$gh_pid" 2>/dev/null || true; wait "$gh_pid" 2>/dev/null || true; gh_pid=""; }
stop_apps() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
