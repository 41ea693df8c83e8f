#!/usr/bin/python3
"""Renders the peer results written with --json (benchmarks/peers/*_peer.py) as the Markdown table of
docs/benchmarks.md: one row per job with both medians, the ratio (median, min-max over the
repetitions), the machine, whether the machine was idle and whether both sides read the same data.

  /usr/bin/python3 benchmarks/peers/render_tables.py mlp.json factor.json ranking.json
"""
import argparse
import json

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("results", nargs="+", help="files written by the peer scripts with --json")
a = ap.parse_args()

print("| job | peer | peer (median) | causalrec (median) | unit | ratio (median, min-max) | reps | machine | idle | same data |")
print("|---|---|---|---|---|---|---|---|---|---|")
for path in a.results:
    with open(path) as f:
        doc = json.load(f)
    machine = f"{doc['machine']['cpu']}, load {doc['idle_check']['load_average_1min']:.2f}"
    idle = "no (flagged)" if doc["idle_check"]["busy"] else "yes"
    same = "yes" if "shared_data" in doc["machine"] else "no (same distribution)"
    for row in doc["summary"]:
        print(f"| {row['job']} | {row['peer']} | {row['peer_median']:,.4g} | {row['ours_median']:,.4g} | {row['unit']} | "
              f"**{row['ratio_median']:.2f}x** ({row['ratio_min']:.2f}-{row['ratio_max']:.2f}) | {row['repetitions']} | "
              f"{machine} | {idle} | {same} |")
