#!/usr/bin/env bash
# Builds the Next.js app (app-src/) on @clerk/nextjs 7 and 6, starts a fresh
# gatehouse (SQLite, then PostgreSQL when reachable) and both apps, and runs the
# journey in headless Chromium, in two setups:
#   same-site  app at http://127.0.0.1:<port>, NEXT_PUBLIC_CLERK_PROXY_URL=<gatehouse>
#   proxy      app at http://localhost:<port> (another site than Gatehouse's
#              127.0.0.1), NEXT_PUBLIC_CLERK_PROXY_URL=/__clerk and the app
#              forwarding /__clerk/* to Gatehouse (7: frontendApiProxy, 6: a rewrite)
#
#   GATEHOUSE_BIN=path  use this binary instead of building one
#   SERIAL=1            run the majors' journeys one after the other (CI does:
#                       two browsers and two Next servers at once on 2 cores
#                       only add timing noise)
#   MAJORS="7 6"        which @clerk/nextjs majors to run
#   ENGINES="sqlite postgres"
#   SETUPS="same-site proxy"
#   PROXY_ENGINES="sqlite"  the engines of the proxy setup (default: the first of
#                           ENGINES; the store is the same code in both setups,
#                           and the whole run stays near 5 minutes on 2 cores)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
MAJORS="${MAJORS:-7 6}"
ENGINES="${ENGINES:-sqlite postgres}"
SETUPS="${SETUPS:-same-site proxy}"
PROXY_ENGINES="${PROXY_ENGINES:-${ENGINES%% *}}"
pids=()
gh_pid=""
cleanup() {
  for p in "${pids[@]}" $gh_pid; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}" $gh_pid; do wait "$p" 2>/dev/null || true; done
  if [ -n "${pg_schema:-}" ]; then psql -q "$PG_BASE" -c "DROP SCHEMA IF EXISTS $pg_schema CASCADE" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
t0=$SECONDS
say() { echo "compat/nextjs [$((SECONDS - t0))s]: $*"; }

. "$here/lib.sh"
need_chromium
gatehouse_binary

# One Gatehouse port for every run: the publishable key encodes it, and Next.js
# inlines NEXT_PUBLIC_* at build time, so the apps are built once.
gh_port="$(free_port)"
GH="http://127.0.0.1:$gh_port"
declare -A app_port
for m in $MAJORS; do app_port[$m]="$(free_port)"; done

say "fetching the pinned Clerk browser bundles once (gatehouse assets pull)"
"$gh_bin" assets pull --data-dir "$work/assets-cache" >/dev/null

start_gatehouse() { # $1 engine label, $2 database url ("" for SQLite)
  local data="$work/data-$setup-$1"
  mkdir -p "$data" && chmod 700 "$data"
  cp -r "$work/assets-cache/assets" "$data/"
  "$gh_bin" serve --listen "127.0.0.1:$gh_port" --data-dir "$data" ${2:+--database-url "$2"} --log-format text \
    --webhook-allow-private --rate-limits off >"$work/$setup-$1.out" 2>"$work/$setup-$1.log" &
  gh_pid=$!
  wait_http "$GH/healthz" "$gh_pid" "gatehouse ($1)" || { cat "$work/$setup-$1.out" "$work/$setup-$1.log"; exit 1; }
  SECRET_KEY="$(awk '/secret_key:/ {print $2}' "$work/$setup-$1.out")"
  PUBLISHABLE_KEY="$(awk '/publishable_key:/ {print $2}' "$work/$setup-$1.out")"
  if [ -z "$SECRET_KEY" ] || [ -z "$PUBLISHABLE_KEY" ]; then say "could not read the keys"; cat "$work/$setup-$1.out"; exit 1; fi
  local origins="" m
  for m in $MAJORS; do origins="$origins,\"$(app_url "$m")\""; done
  bapi PATCH /instance "{\"allowed_origins\":[${origins#,}],\"session_claims\":{\"metadata\":\"{{user.public_metadata}}\"}}" >/dev/null
}
bapi() { curl -sf -X "$1" "$GH/api/v1$2" -H "Authorization: Bearer $SECRET_KEY" -H 'Content-Type: application/json' ${3:+-d "$3"}; }

# The app's origin: same-site apps live on Gatehouse's site (127.0.0.1), proxy
# apps on another site (localhost).
app_url() { if [ "$setup" = proxy ]; then echo "http://localhost:${app_port[$1]}"; else echo "http://127.0.0.1:${app_port[$1]}"; fi; }

app_env() { # $1 major: the environment for next build and next start (design-nextjs.md §4)
  local fapi="$GH"
  if [ "$setup" = proxy ]; then
    # The browser talks to the app's origin only; the app forwards /__clerk/*.
    fapi="/__clerk"
    echo "GATEHOUSE_COMPAT_SETUP=proxy"
    echo "CLERK_FAPI_URL=$GH"
  fi
  echo "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=$PUBLISHABLE_KEY"
  echo "NEXT_PUBLIC_CLERK_PROXY_URL=$fapi"
  echo "NEXT_PUBLIC_CLERK_SIGN_IN_URL=/sign-in"
  echo "NEXT_PUBLIC_CLERK_SIGN_UP_URL=/sign-up"
  echo "NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED=1"
  if [ "$1" = 7 ]; then
    echo "NEXT_PUBLIC_CLERK_JS_URL=$fapi/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
    echo "NEXT_PUBLIC_CLERK_UI_URL=$fapi/npm/@clerk/ui@1/dist/ui.browser.js"
  else
    echo "NEXT_PUBLIC_CLERK_JS_URL=$fapi/npm/@clerk/clerk-js@5/dist/clerk.browser.js"
  fi
}

start_app() { # $1 major, $2 engine
  local m="$1" whsec
  whsec="$(bapi POST /webhooks/endpoints "{\"url\":\"$(app_url "$m")/api/webhooks\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"
  # -H localhost, not 127.0.0.1: with an IP host, Next.js 16 proxies its own
  # middleware rewrites over the network and fails (vercel/next.js#94745).
  (cd "$here/next$m" && exec env $(app_env "$m") CLERK_SECRET_KEY="$SECRET_KEY" CLERK_API_URL="$GH/api" \
    CLERK_WEBHOOK_SIGNING_SECRET="$whsec" NEXT_TELEMETRY_DISABLED=1 \
    node node_modules/next/dist/bin/next start -H localhost -p "${app_port[$m]}") >"$work/next$m-$setup-$2.log" 2>&1 &
  pids+=($!)
  wait_http "$(app_url "$m")/" "$!" "next$m" || { cat "$work/next$m-$setup-$2.log"; exit 1; }
}

run_journeys() { # $1 engine: the majors' journeys run side by side (one browser each); SERIAL=1: one after the other
  local m failed=0 s=$SECONDS
  local -A jpid
  for m in $MAJORS; do
    say "[$setup/$1] @clerk/nextjs $m journey (node --test, headless Chromium)"
    (cd "$here" && exec env APP_URL="$(app_url "$m")" CLERK_MAJOR="$m" JOURNEY_LABEL="next$m-$setup-$1" \
        JOURNEY_SETUP="$setup" GATEHOUSE_URL="$GH" GATEHOUSE_API_URL="$GH/api" GATEHOUSE_SECRET_KEY="$SECRET_KEY" \
        timeout 300 node --test --test-concurrency=1 --test-reporter=spec test/) >"$work/journey$m-$setup-$1.txt" 2>&1 &
    jpid[$m]=$!
    if [ -n "${SERIAL:-}" ]; then wait "${jpid[$m]}"; echo $? >"$work/journey$m-$setup-$1.rc"; fi
  done
  for m in $MAJORS; do
    local rc
    if [ -n "${SERIAL:-}" ]; then rc="$(cat "$work/journey$m-$setup-$1.rc")"; else wait "${jpid[$m]}" && rc=0 || rc=$?; fi
    if [ "$rc" = 0 ]; then
      say "[$setup/$1] @clerk/nextjs $m:"; grep -E '^(✔|✖|﹣|ℹ (tests|pass|fail))|hydration mismatch' "$work/journey$m-$setup-$1.txt" || true
    else
      say "[$setup/$1] @clerk/nextjs $m FAILED:"; cat "$work/journey$m-$setup-$1.txt"
      say "app log:"; tail -40 "$work/next$m-$setup-$1.log"
      failed=1
    fi
  done
  if [ $failed -ne 0 ]; then say "gatehouse log:"; tail -60 "$work/$setup-$1.log"; fi
  say "[$setup/$1] journeys took $((SECONDS - s))s"
  return $failed
}

say "npm ci (test runner and both apps)"
npm_ci "$here"
for m in $MAJORS; do npm_ci "$here/next$m"; done

status=0
"$here/prepare.sh" $MAJORS
for setup in $SETUPS; do
  # NEXT_PUBLIC_* (and, for 6, the rewrites) are fixed at build time, so each
  # setup builds each app once; the engines share the build (one Gatehouse port,
  # and the publishable key encodes it).
  built=""
  engines="$ENGINES"
  if [ "$setup" = proxy ]; then engines="$PROXY_ENGINES"; fi
  for engine in $engines; do
    url=""
    if [ "$engine" = postgres ]; then pg_fresh_schema "gh_nextjs_$$" || continue; fi
    say "[$setup/$engine] starting gatehouse on $GH"
    start_gatehouse "$engine" "$url"
    if [ -z "$built" ]; then
      for m in $MAJORS; do
        say "[$setup] next build (@clerk/nextjs $m)"
        s=$SECONDS
        (cd "$here/next$m" && env $(app_env "$m") NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next build >"$work/build$m.log" 2>&1) \
          || { cat "$work/build$m.log"; exit 1; }
        say "[$setup] next build (@clerk/nextjs $m) took $((SECONDS - s))s"
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
done
if [ $status -ne 0 ]; then say "FAILED"; exit 1; fi
say "all journeys passed (screenshots in compat/nextjs/artifacts/)"
