#!/bin/sh
# Compiler launcher that records the wall time, peak memory and CPU time (user, system) of one compile
# in <object>.time as "wall_s peak_kB user_s system_s"
# (used for the header checks, so that every build measures what each module header costs alone).
out=""
prev=""
for arg in "$@"; do
    [ "$prev" = "-o" ] && out="$arg"
    prev="$arg"
done
[ -n "$out" ] || exec "$@"
exec /usr/bin/time -f "%e %M %U %S" -o "$out.time" "$@"
