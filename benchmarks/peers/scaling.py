#!/usr/bin/python3
"""Scaling over MPI processes: bench_distributed on 1 rank and on N ranks, interleaved, and the ratio
1-rank time / N-rank time for each job (the speed-up; 2.0 would be perfect on 2 ranks). One thread per
rank (OPENBLAS_NUM_THREADS=1, causalrec::set_num_threads(1)). The idle check and the machine report of
the other peer scripts (protocol.py); the "peer" of each row is the 1-rank run.

Then the cost model of docs/distributed.md: a ring allreduce of n bytes over P nodes takes
2 (P - 1) alpha + 2 (P - 1) / P n beta; with the measured 1-rank compute time of a step, it predicts the
efficiency (compute / (compute + communication)) at 8, 64 and 256 nodes for a given network, per step
of the seed MLP, of SASRec and of an ALS alternation, for weak scaling (the per-node batch fixed, as
Horovod's published figures) and strong scaling (the global batch fixed).

  /usr/bin/python3 benchmarks/peers/scaling.py --bench build/.../benchmarks/bench_distributed [--ranks 2] [--repeats 5] [--json f.json]
  /usr/bin/python3 benchmarks/peers/scaling.py --model-only      # the cost-model table alone, default inputs
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess

import protocol

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--bench", help="path of the bench_distributed program")
ap.add_argument("--ranks", type=int, default=2)
ap.add_argument("--mpiexec", default=shutil.which("mpiexec") or "mpiexec")
ap.add_argument("--model-only", action="store_true", help="print the cost model with default step times and stop")
protocol.add_arguments(ap)
a = ap.parse_args()

JOBS = ("distributed/seed_mlp/epoch/batch1024", "distributed/als/explicit/cholesky/epoch")


def run(ranks):
    cmd = [a.mpiexec, "-n", str(ranks), "--oversubscribe"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    cmd += [a.bench, "--benchmark_format=json"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    runs = {b["name"].split("/iterations")[0]: b for b in json.loads(out)["benchmarks"] if b["run_type"] == "iteration"}
    return {name: runs[name]["real_time"] / 1e3 for name in JOBS}, runs


# ---- the cost model -------------------------------------------------------------------------------
NETWORKS = {  # latency alpha (s), bandwidth (bytes/s)
    "10 GbE (alpha 20 us, 1.25 GB/s)": (20e-6, 1.25e9),
    "100 Gb/s InfiniBand (alpha 2 us, 12.5 GB/s)": (2e-6, 12.5e9),
}


def ring_allreduce_seconds(nbytes, nodes, alpha, bandwidth):
    if nodes <= 1:
        return 0.0
    return 2 * (nodes - 1) * alpha + 2 * (nodes - 1) / nodes * nbytes / bandwidth


def allgather_seconds(nbytes_total, nodes, alpha, bandwidth):
    """Ring allgather of a table of nbytes_total split evenly: (P - 1) steps of nbytes_total / P."""
    if nodes <= 1:
        return 0.0
    return (nodes - 1) * alpha + (nodes - 1) / nodes * nbytes_total / bandwidth


def cost_model(workloads):
    print("\n| workload | network | scaling | 8 nodes | 64 nodes | 256 nodes |")
    print("|---|---|---|---|---|---|")
    table = []
    for w in workloads:
        for net, (alpha, bw) in NETWORKS.items():
            for mode in ("weak", "strong"):
                effs = []
                for nodes in (8, 64, 256):
                    compute = w["step_seconds"] if mode == "weak" else w["step_seconds"] / nodes
                    nbytes = w["bytes"](nodes, mode)
                    if w["kind"] == "allreduce":
                        comm = ring_allreduce_seconds(nbytes, nodes, alpha, bw)
                    else:
                        comm = allgather_seconds(nbytes, nodes, alpha, bw)
                    effs.append(compute / (compute + comm))
                table.append({"workload": w["name"], "network": net, "scaling": mode,
                              "efficiency": dict(zip((8, 64, 256), effs))})
                print(f"| {w['name']} | {net} | {mode} | " + " | ".join(f"{100 * e:.0f} %" for e in effs) + " |")
    print("\nHorovod's published figures for comparison (weak scaling, 128 servers x 4 GPUs, 25 Gb/s RoCE): "
          "ResNet-101 90 %, VGG-16 68 %.")
    return table


def default_workloads(mlp_step=None, als_epoch=None):
    # Seed MLP: 12,545 float parameters + 4 control values per step; step time at batch 1,024 on one
    # core (bench_mlp: ~1.0 M samples/s -> ~1 ms). SASRec (Video, d = 50, 2 blocks): 1.2 M parameters
    # (the 23,716 x 50 item table dominates), ~10 ms a step of 128 sequences (bench_sasrec: ~13 k
    # sequences/s). ALS: each alternation allgathers (users + items) x k floats; 1 M ratings of 10,000 x
    # 5,000 at k = 64, ~0.27 s an alternation on one core (bench_rec_factor).
    # ALS, weak scaling: each node brings its own 10,000 users and 1 M ratings (the catalogue stays at
    # 5,000 items), so the allgathered user table grows with the nodes; strong: the same log over more nodes.
    def als_bytes(nodes, mode):
        users = 10000 * nodes if mode == "weak" else 10000
        return (users + 5000) * 64 * 4

    return [
        {"name": "seed MLP, batch 1,024 per node", "kind": "allreduce", "bytes": lambda nodes, mode: (12545 + 4) * 4,
         "step_seconds": mlp_step if mlp_step else 1.0e-3},
        {"name": "SASRec (Video), batch 128 per node", "kind": "allreduce", "bytes": lambda nodes, mode: 1_220_000 * 4,
         "step_seconds": 10e-3},
        {"name": "ALS alternation, 1 M ratings per node, k = 64", "kind": "allgather", "bytes": als_bytes,
         "step_seconds": als_epoch if als_epoch else 0.27},
    ]


if a.model_only:
    cost_model(default_workloads())
    raise SystemExit(0)
if not a.bench:
    ap.error("--bench is required (or --model-only)")

idle = protocol.require_idle(a.allow_busy)
info = protocol.machine(a.bench)
info["ranks"] = a.ranks
protocol.print_machine(info, idle)
rows = []
for rep in range(a.repeats):
    one, _ = run(1)
    many, runs = run(a.ranks)
    row = {"one_rank": one, "many_ranks": many}
    rows.append(row)
    print(f"rep {rep}: " + "; ".join(f"{job}: 1 rank {one[job]:.4f} s, {a.ranks} ranks {many[job]:.4f} s, speed-up "
                                     f"{one[job] / many[job]:.2f}" for job in JOBS), flush=True)

print(f"\n| job | 1 rank (median s) | {a.ranks} ranks (median s) | speed-up (median, min-max) |")
print("|---|---|---|---|")
summary = []
for job in JOBS:
    row = protocol.summary_row(job, "1 rank", [(r["one_rank"][job], r["many_ranks"][job], r["one_rank"][job] / r["many_ranks"][job])
                                               for r in rows], "s")
    summary.append(row)
    print(f"| {job} | {row['peer_median']:.4f} | {row['ours_median']:.4f} | **{row['ratio_median']:.2f}x** "
          f"({row['ratio_min']:.2f}-{row['ratio_max']:.2f}) |")
mlp_step = statistics.median(r["one_rank"][JOBS[0]] for r in rows) / (200000 / 1024)
als_epoch = statistics.median(r["one_rank"][JOBS[1]] for r in rows)
model = cost_model(default_workloads(mlp_step, als_epoch))
protocol.write_json(a.json, f"scaling over {a.ranks} MPI ranks", info, idle, rows, summary + [{"cost_model": model}])
