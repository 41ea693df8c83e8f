#!/usr/bin/env bash
# Fails when a header of one module includes or names another module's private `detail` namespace
# (include/causalrec/<module>/detail/, causalrec::<module>::detail::, or core's causalrec::detail::).
# Shared code belongs in core/ as public API, or in the module that owns it. Known exceptions still
# being removed are listed, with their reason, in scripts/module_boundaries.allow ("file: pattern").
#
#   scripts/check_module_boundaries.sh        check include/causalrec; exit 1 and list each violation
set -euo pipefail
cd "$(dirname "$0")/.."
root=include/causalrec
allow=scripts/module_boundaries.allow
modules=$(cd "$root" && find . -mindepth 1 -maxdepth 1 -type d | sed 's|^\./||' | sort)
violations=()
# One grep per module over the headers of every other module (and the umbrella header): "file:line:hit".
add_hits() {
    local hit
    while IFS= read -r hit; do
        [ -n "$hit" ] || continue
        hit=${hit#"$root"/}
        violations+=("${hit%%:*}: ${hit#*:}")
    done
}
for m in $modules; do
    mapfile -t others < <(find "$root" -name '*.hpp' -not -path "$root/$m/*" | sort)
    add_hits < <(grep -noE "(#include \"([.][.]/)*${m}/detail/[^\"]+\"|\b${m}::detail::[A-Za-z_]+)" "${others[@]}" || true)
done
mapfile -t others < <(find "$root" -name '*.hpp' -not -path "$root/core/*" | sort)
add_hits < <(grep -noE "causalrec::detail::[A-Za-z_]+" "${others[@]}" || true)

status=0
for v in "${violations[@]+"${violations[@]}"}"; do
    file=${v%%:*}
    what=${v#*: }; what=${what#*:}
    if [ -f "$allow" ] && grep -qxF "$file: $what" <(grep -v '^#' "$allow" | sed 's/[[:space:]]*#.*$//'); then
        continue
    fi
    echo "module boundary: $v"
    status=1
done
if ((status == 0)); then echo "module boundaries: no header reaches into another module's detail namespace (beyond the allowed list)"; fi
exit "$status"
