#!/usr/bin/env bash
# Copies the shared app (app-src/) and one major's variant files into nextN/src.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for m in "$@"; do
  rm -rf "$here/next$m/src"
  mkdir -p "$here/next$m/src/variant"
  cp -r "$here/app-src/." "$here/next$m/src/"
  cp "$here/next$m/variant/proxy.js" "$here/next$m/src/proxy.js"
  cp "$here/next$m/variant/auth.jsx" "$here/next$m/variant/redirects.js" "$here/next$m/src/variant/"
done
