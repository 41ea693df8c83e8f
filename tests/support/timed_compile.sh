#!/bin/sh
# Compiler launcher that records the wall time and peak memory of one compile in <object>.time
# (used for the header checks, so that every build measures what each module header costs alone).
out=""
prev=""
for arg in "$@"; do
    [ "$prev" = "-o" ] && out="$arg"
    prev="$arg"
done
[ -n "$out" ] || exec "$@"
exec /usr/bin/time -f "%e %M" -o "$out.time" "$@"
