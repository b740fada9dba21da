#!/bin/sh
# Fetches the shared assets that apps expect from the stack (cozy-bar,
# cozy-client-js, the Lato fonts) from their npm packages, pinned and
# integrity-checked in packages.txt, into dist/ (not committed; the binary
# embeds it). Run by `make assets` (a dependency of `make build` and
# `make test-deps`); does nothing when dist/ matches packages.txt.
set -eu
cd "$(dirname "$0")"
stamp=$(sha256sum packages.txt | cut -d' ' -f1)
if [ -f dist/.stamp ] && [ "$(cat dist/.stamp)" = "$stamp" ]; then
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' packages.txt | while read -r spec integrity; do
	[ -n "$spec" ] || continue
	name=${spec%@*}
	(cd "$tmp" && npm pack --silent --pack-destination . "$spec" >/dev/null)
	tgz=$(ls "$tmp"/*.tgz)
	got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
	if [ "$got" != "$integrity" ]; then
		echo "fetch.sh: $spec: integrity $got, expected $integrity" >&2
		exit 1
	fi
	mkdir -p "$tmp/$name"
	tar -xzf "$tgz" -C "$tmp/$name" --strip-components=1
	rm "$tgz"
done
rm -rf dist.new
mkdir -p dist.new/js dist.new/css dist.new/fonts
cp "$tmp/cozy-bar/dist/cozy-bar.min.js" dist.new/js/
cp "$tmp/cozy-bar/dist/cozy-bar.min.css" dist.new/css/
cp "$tmp/cozy-client-js/dist/cozy-client.min.js" dist.new/js/
for w in 400 700; do
	cp "$tmp/typeface-lato/files/lato-latin-$w.woff2" dist.new/fonts/
	cat >>dist.new/fonts/fonts.css <<CSS
@font-face {
  font-family: 'Lato';
  font-style: normal;
  font-display: swap;
  font-weight: $w;
  src: url('lato-latin-$w.woff2') format('woff2');
}
CSS
done
cp dist/README.md dist/.gitignore dist.new/
echo "$stamp" >dist.new/.stamp
rm -rf dist
mv dist.new dist
