#!/usr/bin/env bash
# Regenerates common-passwords.txt.gz: the password frequency list shipped in
# the npm package @zxcvbn-ts/language-common (MIT; see NOTICE), one password
# per line, lower-cased and de-duplicated, in the package's frequency order.
# Run from this directory: bash generate.sh
set -euo pipefail
version=4.1.3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@zxcvbn-ts/language-common@$version" >/dev/null 2>&1 && tar xzf ./*.tgz)
node -e '
const list = require(process.argv[1]);
const seen = new Set(), out = [];
for (const p of list) { const l = p.toLowerCase(); if (!seen.has(l)) { seen.add(l); out.push(l); } }
process.stdout.write(out.join("\n") + "\n");
' "$tmp/package/src/passwords.json" | gzip -9 -n > common-passwords.txt.gz
echo "wrote $(gzip -dc common-passwords.txt.gz | wc -l) passwords from @zxcvbn-ts/language-common@$version"
