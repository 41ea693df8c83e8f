#!/usr/bin/python3
"""Online bandit speed: causalrec's LinUCB against the same algorithm in NumPy, in one run.

LinUCB with disjoint models (Li et al. 2010), 80 actions, 20 context features, alpha 1, A = I at the
start; one repetition = 10,000 rounds of choose + update on pre-drawn contexts and clicks (logistic
clicks from random weights; same sizes and distribution as benchmarks/bandit.cpp, drawn by NumPy here).
The NumPy version is vectorised over the actions as a careful NumPy user writes it: A^-1 of every action
stacked in one (80, 20, 20) array, theta = A^-1 b kept per action, the widths x^T A_a^-1 x of all
actions by one matrix product, a Sherman-Morrison update of the chosen action. One thread
(OPENBLAS_NUM_THREADS=1). Per repetition NumPy runs once, then bench_bandit once; the ratio is the
median of per-repetition ratios of rounds per second.

The shared protocol (benchmarks/peers/protocol.py): idle check, machine report, --json.

  /usr/bin/python3 benchmarks/peers/bandit_peer.py --bench build/.../benchmarks/bench_bandit [--repeats 5] [--json f.json]
"""
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

import protocol  # noqa: E402

a, idle = protocol.parse_bench_arguments(__doc__, "bench_bandit")

K, D, ROUNDS = 80, 20, 10000


def make_stream(seed=1):
    rng = np.random.default_rng(seed)
    theta = 0.3 * rng.standard_normal((K, D))
    x = rng.standard_normal((ROUNDS, D)) / 4.0
    p = 1.0 / (1.0 + np.exp(-(x @ theta.T)))
    clicks = (rng.random((ROUNDS, K)) < p).astype(np.float64)
    return x, clicks


def numpy_linucb_rounds_per_second(x, clicks, alpha=1.0):
    a_inv = np.repeat(np.eye(D)[None, :, :], K, axis=0)
    b = np.zeros((K, D))
    theta = np.zeros((K, D))
    t0 = time.perf_counter()
    for t in range(ROUNDS):
        xt = x[t]
        v = a_inv.reshape(K * D, D) @ xt            # A_a^-1 x for every action
        width = (v.reshape(K, D) @ xt)                # x^T A_a^-1 x
        scores = theta @ xt + alpha * np.sqrt(np.maximum(width, 0.0))
        k = int(np.argmax(scores))
        r = clicks[t, k]
        u = v[k * D:(k + 1) * D]
        a_inv[k] -= np.outer(u, u) / (1.0 + width[k])
        b[k] += r * xt
        theta[k] = a_inv[k] @ b[k]
    return ROUNDS / (time.perf_counter() - t0)


def ours():
    return protocol.benchmark_counter(a.bench, "lin_ucb", "rounds_per_second")


info = protocol.machine(a.bench)
protocol.print_machine(info, idle)
x, clicks = make_stream()
protocol.paired_rates(a, info, idle, "bandit/lin_ucb/choose_update", "LinUCB choose + update, 80 actions x 20 features",
                      lambda: numpy_linucb_rounds_per_second(x, clicks), ours)
