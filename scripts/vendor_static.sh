#!/usr/bin/env bash
# Copies the pinned NHS.UK frontend and axe-core builds from node_modules into static/vendor.
# The result is committed: running or testing the portal needs no npm and no CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --silent
src=node_modules/nhsuk-frontend/dist/nhsuk
dst=static/vendor/nhsuk-frontend
rm -rf "$dst" && mkdir -p "$dst/assets"
cp -r "$src/assets/images" "$dst/assets/"
cp "$src/assets/manifest.json" "$dst/assets/"
sed -e "s@//# sourceMappingURL=.*@@" "$src/nhsuk-frontend.min.js" > "$dst/nhsuk-frontend.min.js"
# The stylesheet points at /assets/ on the site root and loads Frutiger from the NHS CDN.
# Serve the images from beside the stylesheet, and drop the remote fonts: the
# NHS font stack falls back to Arial, and the portal must not call out to a CDN at run time.
sed -e 's#url(/assets/#url(assets/#g' \
    -e 's#@font-face{[^}]*assets\.nhs\.uk[^}]*}##g' \
    -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
    "$src/nhsuk-frontend.min.css" > "$dst/nhsuk-frontend.min.css"
if grep -q 'assets.nhs.uk' "$dst/nhsuk-frontend.min.css"; then
  echo "vendor: remote font URLs remain in the stylesheet" >&2; exit 1
fi
mkdir -p tests/browser
cp node_modules/axe-core/axe.min.js tests/browser/axe.min.js
echo "vendored nhsuk-frontend $(node -p 'require("./node_modules/nhsuk-frontend/package.json").version') and axe-core $(node -p 'require("./node_modules/axe-core/package.json").version')"
