#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (run by a developer when bumping a
# version; the app, the tests and CI never touch npm). htmx itself comes with django-htmx.
set -euo pipefail
cd "$(dirname "$0")/.."
CHARTJS=4.6.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "chart.js@${CHARTJS}" >/dev/null)
tar -xzf "$tmp/chart.js-${CHARTJS}.tgz" -C "$tmp" package/dist/chart.umd.min.js package/dist/chart.umd.min.js.map package/LICENSE.md
install -D -m 644 "$tmp/package/dist/chart.umd.min.js" "static/vendor/chartjs/chart-${CHARTJS}.umd.min.js"
# The minified file names its source map; collectstatic's manifest storage follows that reference.
install -D -m 644 "$tmp/package/dist/chart.umd.min.js.map" static/vendor/chartjs/chart.umd.min.js.map
install -D -m 644 "$tmp/package/LICENSE.md" static/vendor/chartjs/LICENSE.md
(cd static/vendor && sha256sum chartjs/*.js chartjs/*.map > SHA256SUMS)
