#!/usr/bin/python3
"""Ranking-metric evaluation speed: causalrec's evaluate_ranking against NumPy, in one run.

Protocol of ../shared/bench/ranking_eval.py (implemented here, not imported): 10,000 users x 5,000 items,
dense float32 score matrix S = U V^T (rank 64); per user 100 distinct "train" items masked to -inf and
1 + Poisson(9) (at most 50) held-out relevant items, disjoint from the train items. Timed NumPy pipeline
on a fresh copy of S: mask, np.argpartition top-10 over the whole matrix, sort the 10, hits from a dense
boolean relevance matrix, NDCG@10 and Recall@10 (one BLAS thread). Each repetition times the NumPy
pipeline once, then runs the Google Benchmark program bench_ranking (one thread) on the same case, which
this script writes to .npy files (protocol.shared_data, CAUSALREC_RANKING_DATA), and takes its mean; both
sides' NDCG@10 and Recall@10 are printed and must agree; the ratio is the median of the
per-repetition ratios numpy_seconds / causalrec_seconds.

  /usr/bin/python3 benchmarks/peers/ranking_peer.py --bench build/h-rank/benchmarks/bench_ranking [--repeats 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

import protocol  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--bench", required=True, help="path of the bench_ranking program")
ap.add_argument("--users", type=int, default=10_000)
ap.add_argument("--items", type=int, default=5_000)
ap.add_argument("--k", type=int, default=10)
protocol.add_arguments(ap)
a = ap.parse_args()
idle = protocol.require_idle(a.allow_busy)
info = protocol.machine(a.bench)
protocol.print_machine(info, idle)
k = a.k


def make_case(users, items, seed=0, n_train=100):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((users, 64), dtype=np.float32)
    V = rng.standard_normal((items, 64), dtype=np.float32)
    n_test = np.minimum(1 + rng.poisson(9, users), 50)
    tr_r, tr_c, te_r, te_c = [], [], [], []
    for u in range(users):
        pick = rng.choice(items, n_train + n_test[u], replace=False)
        tr_r.append(np.full(n_train, u)); tr_c.append(pick[:n_train])
        te_r.append(np.full(n_test[u], u)); te_c.append(pick[n_train:])
    cat = np.concatenate
    return U @ V.T, (cat(tr_r), cat(tr_c)), (cat(te_r), cat(te_c)), n_test


def evaluate(S, train, test, n_rel):
    S[train] = -np.inf                                        # mask
    top = np.argpartition(S, S.shape[1] - k, axis=1)[:, -k:]  # top-k, unordered
    order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)              # sort the k
    R = np.zeros(S.shape, dtype=bool)
    R[test] = True
    hits = np.take_along_axis(R, top, axis=1)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    idcg = np.cumsum(disc)[np.minimum(n_rel, k) - 1]
    ndcg = float(np.mean((hits @ disc) / idcg))
    recall = float(np.mean(hits.sum(1) / n_rel))
    return ndcg, recall


S0, train, test, n_rel = make_case(a.users, a.items)


def csr_lists(rows, cols, users):
    order = np.lexsort((cols, rows))  # by user; within a user in the order drawn does not matter
    offsets = np.zeros(users + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=users), out=offsets[1:])
    return offsets, cols[order].astype(np.int64)


train_offsets, train_items = csr_lists(train[0], train[1], a.users)
test_offsets, test_items = csr_lists(test[0], test[1], a.users)
env = protocol.shared_data(info, "CAUSALREC_RANKING_DATA", scores=S0, train_offsets=train_offsets,
                           train_items=train_items, test_offsets=test_offsets, test_items=test_items)
mismatch = 0
ours, theirs, ratios = [], [], []
for r in range(a.repeats):
    S = S0.copy()
    t = time.perf_counter()
    ndcg, recall = evaluate(S, train, test, n_rel)
    p = time.perf_counter() - t
    out = subprocess.run([a.bench, "--benchmark_format=json", "--benchmark_min_time=1"], env=env, check=True,
                         capture_output=True, text=True).stdout
    run = next(b for b in json.loads(out)["benchmarks"] if b["run_type"] == "iteration")
    c = run["real_time"] / 1e3  # milliseconds -> seconds
    ours.append(c); theirs.append(p); ratios.append(p / c)
    print(f"rep {r}: numpy {p:.3f} s (NDCG@{k} {ndcg:.5f}, Recall@{k} {recall:.5f}), causalrec {c:.4f} s "
          f"(NDCG@{k} {run['ndcg']:.5f}, Recall@{k} {run['recall']:.5f}), ratio {p / c:.1f}", flush=True)
    if abs(ndcg - run["ndcg"]) > 1e-6 or abs(recall - run["recall"]) > 1e-6:
        mismatch += 1
print(f"{a.users:,} users x {a.items:,} items, k={k}: median numpy {statistics.median(theirs):.3f} s, "
      f"median causalrec {statistics.median(ours):.4f} s; ratio (numpy time / causalrec time) median "
      f"{statistics.median(ratios):.1f} (min {min(ratios):.1f}, max {max(ratios):.1f})")
summary = [protocol.summary_row(f"NDCG@{k} + Recall@{k}, {a.users} x {a.items}", "NumPy",
                                list(zip(theirs, ours, ratios)), "s")]
if mismatch:
    print(f"WARNING: the two sides' metrics differ in {mismatch} repetition(s): not the same computation")
protocol.write_json(a.json, "ranking metrics vs NumPy", info, idle,
                    [{"peer": p, "ours": c, "ratio": r} for p, c, r in zip(theirs, ours, ratios)], summary)
