#!/bin/sh
# Vendors the browser builds of Vega, Vega-Lite and vega-embed into static/vendor/vega/,
# at the versions that vl-convert-python (requirements.txt) bundles, so a chart looks the
# same in the page and in the PDF. After changing the vl-convert pin, read the new versions
# with `python -c "import vl_convert as v; print(v.get_vega_version(), v.get_vegalite_versions()[-1], v.get_vega_embed_version())"`
# (the Vega-Lite patch release: `strings` on the vl_convert .so, grep vega-lite@) and rerun.
# vega-embed bundles vega-interpreter (used with the `ast: true` option), so no eval is needed.
set -eu
VEGA=6.2.0
VEGA_LITE=6.4.1
VEGA_EMBED=7.0.2
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/static/vendor/vega"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "vega@$VEGA" "vega-lite@$VEGA_LITE" "vega-embed@$VEGA_EMBED" >/dev/null
for name in vega vega-lite vega-embed; do
  mkdir "$name"
  tar xzf "$name"-[0-9]*.tgz -C "$name"
  cp "$name/package/LICENSE" "$out/LICENSE-$name"
done
# The source maps that the minified files name are copied too: collectstatic's manifest
# storage follows every sourceMappingURL and fails on a missing file.
cp vega/package/build/vega.min.js "$out/"
cp vega-lite/package/build/vega-lite.min.js vega-lite/package/build/vega-lite.min.js.map "$out/"
cp vega-embed/package/build/vega-embed.min.js vega-embed/package/build/vega-embed.min.js.map "$out/"
printf 'vega %s\nvega-lite %s\nvega-embed %s\n' "$VEGA" "$VEGA_LITE" "$VEGA_EMBED" >"$out/VERSIONS"
