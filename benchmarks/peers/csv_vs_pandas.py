#!/usr/bin/python3
"""CSV reading speed: causalrec's read_csv<float> against pandas.read_csv (C engine), in one run.

The file is the peer file of ../shared/bench/pandas_csv.py: 560,000 rows of 16 float columns written
with 6 decimals plus an integer label (~86 MB), written here with the same generator when missing.
Each repetition times one pandas read in this process, then runs the Google Benchmark program
(which reads the file several times and reports the mean); the ratio is the median of the
per-repetition ratios pandas_seconds / causalrec_seconds. Both sides read the same file.

The shared protocol (benchmarks/peers/protocol.py): idle check, machine and library report, 5
interleaved repetitions by default, --json for the machine-readable result.

  /usr/bin/python3 benchmarks/peers/csv_vs_pandas.py --bench build/bench/benchmarks/bench_csv [--repeats 5] [--json csv.json]
"""
import argparse, json, os, statistics, subprocess, time

import numpy as np
import pandas as pd

import protocol

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--bench", required=True, help="path of the bench_csv program")
ap.add_argument("--path", default="/tmp/num100.csv")
ap.add_argument("--rows", type=int, default=560_000)
protocol.add_arguments(ap)
a = ap.parse_args()
idle = protocol.require_idle(a.allow_busy)
info = protocol.machine(a.bench)
protocol.print_machine(info, idle)

if not os.path.exists(a.path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((a.rows, 16)).astype(np.float32)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(16)])
    df["label"] = (rng.random(a.rows) < 0.5).astype(int)
    df.to_csv(a.path, index=False, float_format="%.6f")
mb = os.path.getsize(a.path) / 1e6
pd.read_csv(a.path)  # warm the page cache

env = dict(os.environ, CAUSALREC_CSV_BENCH_FILE=a.path)
ours, theirs, ratios = [], [], []
for r in range(a.repeats):
    t = time.perf_counter(); pd.read_csv(a.path); p = time.perf_counter() - t
    out = subprocess.run([a.bench, "--benchmark_filter=read_csv<float>", "--benchmark_format=json",
                          "--benchmark_min_time=1"], env=env, check=True, capture_output=True, text=True).stdout
    run = next(b for b in json.loads(out)["benchmarks"] if b["run_type"] == "iteration")
    c = run["real_time"] / 1e3  # milliseconds -> seconds
    ours.append(c); theirs.append(p); ratios.append(p / c)
    print(f"rep {r}: pandas {p:.3f} s ({mb / p:.0f} MB/s), causalrec {c:.3f} s ({mb / c:.0f} MB/s), ratio {p / c:.2f}")
print(f"file {mb:.1f} MB; median pandas {statistics.median(theirs):.3f} s = {mb / statistics.median(theirs):.0f} MB/s; "
      f"median causalrec {statistics.median(ours):.3f} s = {mb / statistics.median(ours):.0f} MB/s; "
      f"ratio (pandas time / causalrec time) median {statistics.median(ratios):.2f} "
      f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
info["shared_data"] = {"file": os.path.abspath(a.path), "megabytes": mb}
summary = [protocol.summary_row("read_csv, 86 MB numeric", "pandas", list(zip(theirs, ours, ratios)), "s")]
protocol.write_json(a.json, "CSV reading vs pandas", info, idle,
                    [{"peer": p, "ours": c, "ratio": r} for p, c, r in zip(theirs, ours, ratios)], summary)
