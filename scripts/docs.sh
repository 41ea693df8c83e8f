#!/usr/bin/env bash
# Builds the documentation site into site/ (git-ignored): the API reference from the headers' doc
# comments with Doxygen (docs/Doxyfile, into docs/api/, also git-ignored), then the pages of docs/
# with mkdocs (mkdocs.yml), which copies the API reference to site/api/. Fails on any warning of
# either tool (mkdocs build --strict; a non-empty Doxygen warning log). The pictures the pages show
# (docs/img/, git-ignored) are drawn first by the examples that make them: the seed pipeline's
# learning curve and ROC curve and the causal example's Qini chart (their binaries are reused from a test build
# when present, else built in build/docs). Installs mkdocs and doxygen with apt-get when missing on
# Debian/Ubuntu.
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

# Pictures: run the examples that draw them (a short run; the figures are illustrations).
find_example() {
    local name=$1 dir
    for dir in build/test-g++ build/test-clang++ build/dev build/docs; do
        if [ -x "$dir/examples/$name/$name" ]; then echo "$dir/examples/$name/$name"; return 0; fi
    done
    return 1
}
if ! find_example seed_pipeline >/dev/null || ! find_example causal_recommendation >/dev/null; then
    echo "== building the examples that draw the documentation's pictures (build/docs)"
    read -r -a launcher <<<"$(causalrec_launcher_args)"
    cmake -S . -B build/docs -DCMAKE_BUILD_TYPE=Release -DCAUSALREC_BUILD_TESTS=OFF -DCAUSALREC_BUILD_EXAMPLES=ON \
          -DCAUSALREC_BUILD_BENCHMARKS=OFF "${launcher[@]}" >build/docs.configure.log 2>&1 ||
        { cat build/docs.configure.log; exit 1; }
    cmake --build build/docs -j "${CAUSALREC_JOBS:-$(nproc 2>/dev/null || echo 2)}" --target seed_pipeline causal_recommendation
fi
echo "== pictures: docs/img"
rm -rf docs/img build/docs-pictures
mkdir -p docs/img build/docs-pictures
"$(find_example seed_pipeline)" --epochs 30 --quiet --out build/docs-pictures/seed >build/docs-pictures/seed.log 2>&1 ||
    { cat build/docs-pictures/seed.log; exit 1; }
cp build/docs-pictures/seed/loss.svg docs/img/seed_loss.svg
cp build/docs-pictures/seed/roc.svg docs/img/seed_roc.svg
"$(find_example causal_recommendation)" --quick --out build/docs-pictures/causal >build/docs-pictures/causal.log 2>&1 ||
    { cat build/docs-pictures/causal.log; exit 1; }
cp build/docs-pictures/causal/qini.svg docs/img/qini.svg
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
