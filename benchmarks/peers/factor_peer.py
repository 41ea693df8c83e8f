#!/usr/bin/python3
"""Matrix-factorisation training speed: causalrec against NumPy ALS and PyTorch embedding MF, in one run.

Protocols of ../shared/bench/numpy_als.py and ../shared/bench/torch_mf.py (implemented here, not
imported): 1,000,000 explicit ratings of 10,000 users x 5,000 items from a rank-16 biased model plus
N(0, 0.3^2) noise, clipped to [1, 5]; 64 factors; one thread (OpenBLAS and torch).
  ALS  : ratings centred by their mean, ALS-WR (lambda * n on the diagonal, lambda = 0.05); one epoch =
         solve all users, then all items. NumPy: per entity A = Q_I^T Q_I + lambda n I, b = Q_I^T r,
         np.linalg.solve (the "loop" variant), in float32 and float64; the faster one is the peer.
  MF   : biased MF, MSE, nn.Embedding tables, batch 1024, torch.optim.SGD lr 5 (dense gradients),
         reshuffled each epoch.
Per repetition: each peer runs 1 warm-up epoch and 2 timed epochs (median), then the Google Benchmark
program bench_rec_factor runs once on the same ratings, which this script writes to .npy files
(protocol.shared_data, CAUSALREC_MF_DATA);
ratios are medians of per-repetition ratios peer_seconds / causalrec_seconds. The OpenBLAS kernel is
whatever the environment selects for both sides (print: corename).

The shared protocol (benchmarks/peers/protocol.py): idle check, machine and BLAS report, 5
repetitions by default, --json for the machine-readable result.

  /usr/bin/python3 benchmarks/peers/factor_peer.py --bench build/gcc/benchmarks/bench_rec_factor [--repeats 5] [--json f.json]
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

import protocol  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--bench", required=True, help="path of the bench_rec_factor program")
ap.add_argument("--n", type=int, default=1_000_000)
ap.add_argument("--users", type=int, default=10_000)
ap.add_argument("--items", type=int, default=5_000)
ap.add_argument("--factors", type=int, default=64)
ap.add_argument("--skip-torch", action="store_true")
protocol.add_arguments(ap)
a = ap.parse_args()
idle = protocol.require_idle(a.allow_busy)


def make_ratings(n, users, items, rank=16, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, users, n)
    i = rng.integers(0, items, n)
    P = rng.standard_normal((users, rank)) / np.sqrt(rank)
    Q = rng.standard_normal((items, rank)) / np.sqrt(rank)
    bu = rng.normal(0, 0.3, users)
    bi = rng.normal(0, 0.3, items)
    r = 3.5 + bu[u] + bi[i] + np.einsum("nk,nk->n", P[u], Q[i]) + rng.normal(0, 0.3, n)
    return u, i, np.clip(r, 1.0, 5.0).astype(np.float32)


def csr(rows, cols, vals, nrows):
    order = np.argsort(rows, kind="stable")
    ptr = np.zeros(nrows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=nrows), out=ptr[1:])
    return ptr, cols[order], vals[order]


def als_side(ptr, idx, vals, F, lam, out):
    eye = np.eye(F.shape[1], dtype=F.dtype)
    for e in range(len(ptr) - 1):
        s, t = ptr[e], ptr[e + 1]
        if s == t:
            out[e] = 0
            continue
        Fi = F[idx[s:t]]
        A = Fi.T @ Fi
        A += (lam * (t - s)) * eye
        out[e] = np.linalg.solve(A, Fi.T @ vals[s:t])


def numpy_als_epoch_seconds(u, i, r, dtype):
    rc = (r - r.mean()).astype(dtype)
    (up, ui, uv), (ip, iu, iv) = csr(u, i, rc, a.users), csr(i, u, rc, a.items)
    rng = np.random.default_rng(0)
    P = (rng.standard_normal((a.users, a.factors)) * 0.1).astype(dtype)
    Q = (rng.standard_normal((a.items, a.factors)) * 0.1).astype(dtype)
    times = []
    for ep in range(3):
        t = time.perf_counter()
        als_side(up, ui, uv, Q, 0.05, P)
        als_side(ip, iu, iv, P, 0.05, Q)
        if ep > 0:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def torch_mf_epoch_seconds(u, i, r):
    import torch
    from torch import nn
    torch.set_num_threads(1)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    ut, it, rt = torch.from_numpy(u), torch.from_numpy(i), torch.from_numpy(r)
    P, Q = nn.Embedding(a.users, a.factors), nn.Embedding(a.items, a.factors)
    bu, bi = nn.Embedding(a.users, 1), nn.Embedding(a.items, 1)
    for e in (P, Q):
        nn.init.normal_(e.weight, 0, 0.01)
    for e in (bu, bi):
        nn.init.zeros_(e.weight)
    mu = float(rt.mean())
    params = [P.weight, Q.weight, bu.weight, bi.weight]
    opt = torch.optim.SGD(params, lr=5.0)
    times = []
    for ep in range(3):
        t = time.perf_counter()
        perm = torch.randperm(len(ut), generator=gen)
        us, is_, rs = ut[perm], it[perm], rt[perm]
        for s in range(0, len(us), 1024):
            ub, ib, rb = us[s:s + 1024], is_[s:s + 1024], rs[s:s + 1024]
            opt.zero_grad(set_to_none=True)
            pred = mu + bu(ub).squeeze(1) + bi(ib).squeeze(1) + (P(ub) * Q(ib)).sum(1)
            loss = ((pred - rb) ** 2).mean()
            loss.backward()
            opt.step()
        if ep > 0:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def ours():
    out = subprocess.run([a.bench, "--benchmark_format=json", "--benchmark_min_time=1"], env=env, check=True,
                         capture_output=True, text=True).stdout
    runs = {b["name"].split("/min_time")[0]: b for b in json.loads(out)["benchmarks"] if b["run_type"] == "iteration"}
    return {name: run["real_time"] / 1e3 for name, run in runs.items()}


try:
    blas = ctypes.CDLL("libopenblas.so.0")
    blas.openblas_get_corename.restype = ctypes.c_char_p
    core = blas.openblas_get_corename().decode()
except OSError:
    core = "unknown"
print(f"# numpy {np.__version__}; OpenBLAS core {core}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")
info = protocol.machine(a.bench)
info["openblas_corename"] = core
protocol.print_machine(info, idle)
u, i, r = make_ratings(a.n, a.users, a.items)
env = protocol.shared_data(info, "CAUSALREC_MF_DATA", users=u.astype(np.int64), items=i.astype(np.int64), ratings=r,
                           sizes=np.array([a.users, a.items], dtype=np.int64))
rows = []
for rep in range(a.repeats):
    als32 = numpy_als_epoch_seconds(u, i, r, np.float32)
    als64 = numpy_als_epoch_seconds(u, i, r, np.float64)
    mf = None if a.skip_torch else torch_mf_epoch_seconds(u, i, r)
    c = ours()
    row = {"numpy_als": min(als32, als64), "numpy_als32": als32, "numpy_als64": als64, "torch_mf": mf, **c}
    rows.append(row)
    print(f"rep {rep}: numpy ALS epoch f32 {als32:.3f} s, f64 {als64:.3f} s; torch MF epoch "
          f"{mf if mf is None else round(mf, 3)} s; causalrec " + ", ".join(f"{k} {v:.4f} s" for k, v in c.items()), flush=True)


def ratio(peer, name):
    return statistics.median(x[peer] / x[name] for x in rows)


print("\n| job | peer (median s) | causalrec (median s) | ratio peer/causalrec (median of repetitions) |")
print("|---|---|---|---|")
summary = []
for peer, name in (("numpy_als", "als/explicit/cholesky/epoch"), ("numpy_als", "als/explicit/cg3/epoch"),
                   ("torch_mf", "mf/sgd_per_rating/epoch"), ("torch_mf", "mf/sgd_batch1024/epoch")):
    if rows[0][peer] is None or name not in rows[0]:
        continue
    # Times, not rates: the ratio is peer seconds / causalrec seconds.
    row = protocol.summary_row(name, "NumPy ALS" if peer == "numpy_als" else "PyTorch MF",
                               [(x[peer], x[name], x[peer] / x[name]) for x in rows], "s per epoch")
    summary.append(row)
    print(f"| {name} | {row['peer_median']:.3f} | {row['ours_median']:.4f} | {row['ratio_median']:.1f} "
          f"({row['ratio_min']:.1f}-{row['ratio_max']:.1f}) |")
protocol.write_json(a.json, "matrix factorisation epochs vs NumPy ALS and PyTorch MF", info, idle, rows, summary)
