#!/usr/bin/env bash
# Builds the documentation site into site/ (git-ignored): the API reference from the headers' doc
# comments with Doxygen (docs/Doxyfile, into docs/api/, also git-ignored), then the pages of docs/
# with mkdocs (mkdocs.yml), which copies the API reference to site/api/. Fails on any warning of
# either tool (mkdocs build --strict; a non-empty Doxygen warning log). Installs mkdocs and doxygen
# with apt-get when missing on Debian/Ubuntu.
#
#   scripts/docs.sh            build site/
#   scripts/docs.sh --serve    build, then serve on http://127.0.0.1:8000 (mkdocs serve)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

serve=0
case "${1:-}" in
    --serve) serve=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    "") ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
esac
CAUSALREC_PACKAGES=(mkdocs doxygen)
causalrec_ensure_packages

start=$(date +%s)
rm -rf docs/api site
mkdir -p build
warnings=build/doxygen-warnings.log
echo "== doxygen: docs/api"
(cat docs/Doxyfile; echo "OUTPUT_DIRECTORY = docs"; echo "WARN_LOGFILE = $warnings") | doxygen - >build/doxygen.log 2>&1 ||
    { cat build/doxygen.log; exit 1; }
if [ -s "$warnings" ]; then
    echo "!! Doxygen warnings (fix the doc comments):"
    cat "$warnings"
    exit 1
fi
echo "== mkdocs: site/"
mkdocs build --strict
echo "== site/ built in $(( $(date +%s) - start )) s: $(find site -name '*.html' | wc -l) pages, API reference in site/api/index.html"
if ((serve)); then
    exec mkdocs serve
fi
