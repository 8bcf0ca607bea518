#!/usr/bin/env bash
# The production instance setup (docs/nextjs.md "Setup 2"): Gatehouse in
# --mode production (pk_live_/sk_live_) with its Frontend API at
# https://clerk.gatehouse.test:<port>, @clerk/nextjs 7 at https://gatehouse.test:<port>
# and 6 at https://app.gatehouse.test:<port>, all behind tls-proxy.js (one https
# listener on 127.0.0.1, a throwaway self-signed certificate for
# gatehouse.test and *.gatehouse.test). Chromium maps the names to 127.0.0.1.
# Codes are mailed for real, to smtp-sink.js, and the journey reads them there.
# Runs test/journey.test.js for each major on SQLite, then PostgreSQL.
#
#   GATEHOUSE_BIN=path  use this binary instead of building one
#   MAJORS="7 6"        which @clerk/nextjs majors to run
#   ENGINES="sqlite postgres"
#   TLS_PORT=n          the https port (default: a free one); with a fixed port a later run
#                       reuses the apps' production build when it is still the newest
#   SERIAL=1            run the majors' journeys one after the other (default: at the same time)
#   KEEP_WORK=1         keep the logs (gatehouse, apps, proxy, SMTP sink) in the temporary directory
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
MAJORS="${MAJORS:-7 6}"
ENGINES="${ENGINES:-sqlite postgres}"
pids=()      # the apps
infra=()     # proxy and SMTP sink
gh_pid=""
cleanup() {
  for p in "${pids[@]}" "${infra[@]}" $gh_pid; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}" "${infra[@]}" $gh_pid; do wait "$p" 2>/dev/null || true; done
  if [ -n "${pg_schema:-}" ]; then psql -q "$PG_BASE" -c "DROP SCHEMA IF EXISTS $pg_schema CASCADE" >/dev/null 2>&1 || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
t0=$SECONDS
say() { echo "compat/nextjs production [$((SECONDS - t0))s]: $*"; }

. "$here/lib.sh"
need_chromium
gatehouse_binary

# One https port for every name and every run: the publishable key encodes
# clerk.gatehouse.test:<port>, and Next.js inlines it at build time.
tls_port="${TLS_PORT:-$(free_port)}"
gh_port="$(free_port)"
smtp_port="$(free_port)"
sink_port="$(free_port)"
FAPI="https://clerk.gatehouse.test:$tls_port"
GH_DIRECT="http://127.0.0.1:$gh_port"
declare -A app_port app_host
for m in $MAJORS; do app_port[$m]="$(free_port)"; done
app_host[7]="gatehouse.test"      # the app on the apex, as in docs/nextjs.md
app_host[6]="app.gatehouse.test"  # or on a sibling subdomain of clerk.<domain>
app_url() { echo "https://${app_host[$1]}:$tls_port"; }

say "a throwaway certificate for gatehouse.test and *.gatehouse.test"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=gatehouse.test \
  -addext "subjectAltName=DNS:gatehouse.test,DNS:*.gatehouse.test" \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
routes="clerk.gatehouse.test=127.0.0.1:$gh_port"
for m in $MAJORS; do routes="$routes ${app_host[$m]}=127.0.0.1:${app_port[$m]}"; done
node "$here/tls-proxy.js" "$tls_port" "$work/tls.crt" "$work/tls.key" $routes >"$work/tls-proxy.log" 2>&1 &
infra+=($!)
node "$here/smtp-sink.js" "$smtp_port" "$sink_port" >"$work/smtp-sink.log" 2>&1 &
infra+=($!)
wait_http "http://127.0.0.1:$sink_port/healthz" "$!" "smtp-sink" || exit 1

say "fetching the pinned Clerk browser bundles once (gatehouse assets pull)"
"$gh_bin" assets pull --data-dir "$work/assets-cache" >/dev/null
GATEHOUSE_ENCRYPTION_KEY="$("$gh_bin" keys gen-encryption-key)"
export GATEHOUSE_ENCRYPTION_KEY

start_gatehouse() { # $1 engine label, $2 database url ("" for SQLite)
  local data="$work/data-$1"
  mkdir -p "$data" && chmod 700 "$data"
  cp -r "$work/assets-cache/assets" "$data/"
  "$gh_bin" serve --mode production --public-url "$FAPI" --listen "127.0.0.1:$gh_port" --data-dir "$data" \
    ${2:+--database-url "$2"} --trusted-proxies 127.0.0.1/32 \
    --smtp-url "smtp://127.0.0.1:$smtp_port?starttls=off" --mail-from auth@gatehouse.test \
    --log-format text --webhook-allow-private --rate-limits off >"$work/$1.out" 2>"$work/$1.log" &
  gh_pid=$!
  wait_http "$GH_DIRECT/healthz" "$gh_pid" "gatehouse ($1)" || { cat "$work/$1.out" "$work/$1.log"; exit 1; }
  wait_http "$FAPI/healthz" "$gh_pid" "gatehouse through tls-proxy" --resolve "clerk.gatehouse.test:$tls_port:127.0.0.1" \
    || { cat "$work/tls-proxy.log"; exit 1; }
  SECRET_KEY="$(awk '/secret_key:/ {print $2}' "$work/$1.out")"
  PUBLISHABLE_KEY="$(awk '/publishable_key:/ {print $2}' "$work/$1.out")"
  case "$PUBLISHABLE_KEY:$SECRET_KEY" in
    pk_live_*:sk_live_*) ;;
    *) say "expected pk_live_/sk_live_ keys"; cat "$work/$1.out"; exit 1;;
  esac
  local origins="" m
  for m in $MAJORS; do origins="$origins,\"$(app_url "$m")\""; done
  bapi PATCH /instance "{\"allowed_origins\":[${origins#,}],\"session_claims\":{\"metadata\":\"{{user.public_metadata}}\"}}" >/dev/null
}
# The Backend API is called on Gatehouse's plain-http loopback listener, the
# way an app's server reaches it inside a private network.
bapi() { curl -sf -X "$1" "$GH_DIRECT/api/v1$2" -H "Authorization: Bearer $SECRET_KEY" -H 'Content-Type: application/json' ${3:+-d "$3"}; }

public_env() { # the NEXT_PUBLIC_* variables of a production instance: no proxy or script URL
  echo "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=$PUBLISHABLE_KEY"
  echo "NEXT_PUBLIC_CLERK_SIGN_IN_URL=/sign-in"
  echo "NEXT_PUBLIC_CLERK_SIGN_UP_URL=/sign-up"
  echo "NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED=1"
}

start_app() { # $1 major, $2 engine
  local m="$1" whsec
  whsec="$(bapi POST /webhooks/endpoints "{\"url\":\"http://127.0.0.1:${app_port[$m]}/api/webhooks\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
  (cd "$here/next$m" && exec env $(public_env) CLERK_SECRET_KEY="$SECRET_KEY" CLERK_API_URL="$GH_DIRECT/api" \
    CLERK_WEBHOOK_SIGNING_SECRET="$whsec" NEXT_TELEMETRY_DISABLED=1 \
    node node_modules/next/dist/bin/next start -H localhost -p "${app_port[$m]}") >"$work/next$m-$2.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:${app_port[$m]}/" "$!" "next$m" || { cat "$work/next$m-$2.log"; exit 1; }
}

journey() { # $1 engine, $2 major
  (cd "$here" && APP_URL="$(app_url "$2")" APP_DIRECT_URL="http://127.0.0.1:${app_port[$2]}" CLERK_MAJOR="$2" \
    JOURNEY_LABEL="prod-next$2-$1" GATEHOUSE_URL="$FAPI" GATEHOUSE_DIRECT_URL="$GH_DIRECT" \
    GATEHOUSE_API_URL="$GH_DIRECT/api" GATEHOUSE_SECRET_KEY="$SECRET_KEY" GATEHOUSE_MODE=production \
    GATEHOUSE_CODES=sink SMTP_SINK_URL="http://127.0.0.1:$sink_port" \
    BROWSER_HOST_RULES="MAP gatehouse.test 127.0.0.1, MAP *.gatehouse.test 127.0.0.1" \
    node --test --test-concurrency=1 --test-reporter=spec test/)
}
# The majors' journeys run at the same time (own app, own host name, own
# browser, own user); SERIAL=1 runs them one after the other.
run_journeys() { # $1 engine
  local m failed=0
  declare -A jp
  for m in $MAJORS; do
    say "[$1] @clerk/nextjs $m journey at $(app_url "$m") (node --test, headless Chromium)"
    if [ -n "${SERIAL:-}" ]; then journey "$1" "$m" >"$work/journey$m-$1.log" 2>&1; echo $? >"$work/journey$m-$1.rc"
    else { journey "$1" "$m" >"$work/journey$m-$1.log" 2>&1; echo $? >"$work/journey$m-$1.rc"; } & jp[$m]=$!; fi
  done
  for m in $MAJORS; do
    [ -n "${jp[$m]:-}" ] && wait "${jp[$m]}" || true
    say "[$1] @clerk/nextjs $m:"; cat "$work/journey$m-$1.log"
    if [ "$(cat "$work/journey$m-$1.rc")" != 0 ]; then
      say "[$1] @clerk/nextjs $m FAILED; app log:"; tail -40 "$work/next$m-$1.log"
      failed=1
    fi
  done
  if [ $failed -ne 0 ]; then say "gatehouse log:"; tail -60 "$work/$1.log"; fi
  return $failed
}

say "npm ci (test runner and apps, when their lock files changed)"
npm_ci "$here"
for m in $MAJORS; do npm_ci "$here/next$m"; done

status=0
built=""
for engine in $ENGINES; do
  url=""
  if [ "$engine" = postgres ]; then pg_fresh_schema "gh_nextjs_prod_$$" || continue; fi
  say "[$engine] starting gatehouse (production) at $FAPI"
  start_gatehouse "$engine" "$url"
  if [ -z "$built" ]; then
    "$here/prepare.sh" $MAJORS
    for m in $MAJORS; do
      mark="$here/next$m/.next/gatehouse-production-key"
      if [ -f "$mark" ] && [ "$(cat "$mark")" = "$PUBLISHABLE_KEY" ] && [ "$mark" -nt "$here/next$m/.next/BUILD_ID" ]; then
        say "reusing the production build of @clerk/nextjs $m"; continue
      fi
      say "next build (@clerk/nextjs $m, $PUBLISHABLE_KEY)"
      s=$SECONDS
      (cd "$here/next$m" && env $(public_env) NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next build >"$work/build$m.log" 2>&1) \
        || { cat "$work/build$m.log"; exit 1; }
      sleep 1; echo "$PUBLISHABLE_KEY" >"$mark"
      say "next build (@clerk/nextjs $m) took $((SECONDS - s))s"
    done
    built="$PUBLISHABLE_KEY"
  elif [ "$built" != "$PUBLISHABLE_KEY" ]; then
    say "the publishable key changed between engines ($built, $PUBLISHABLE_KEY); the apps need a rebuild"; exit 1
  fi
  for m in $MAJORS; do start_app "$m" "$engine"; done
  run_journeys "$engine" || status=1
  stop_apps
  stop_gatehouse
done
if [ $status -ne 0 ]; then say "FAILED"; say "smtp-sink:"; tail -20 "$work/smtp-sink.log"; exit 1; fi
say "all production journeys passed (screenshots in compat/nextjs/artifacts/)"
