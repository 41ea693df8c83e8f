#!/usr/bin/python3
"""Off-policy evaluation speed: causalrec's policy-value estimators against the same ones in NumPy, in one run.

1,000,000 logged rounds, 80 actions, a uniformly random logging policy (propensity 1/80), rewards
Bernoulli(0.005), a reward model uniform in [0, 0.01), a stochastic target (softmax of standard normal
scores) and its greedy version (same sizes and distributions as benchmarks/ope.cpp, drawn by NumPy here).
One repetition evaluates naive, IPW, SNIPW, DM, DR, SNDR, Switch-DR (tau 100) and DRos (lambda 100) on the
stochastic target and replay on the greedy one, each with its standard error (delta method, the same
formulas as causalrec and the Open Bandit Pipeline) and a normal 95 % interval, after the input checks the
Open Bandit Pipeline makes (shapes, propensities in (0, 1], actions in range, target rows summing to 1,
probabilities in [0, 1], a finite reward model, a deterministic target for replay). The NumPy version is
written as a careful NumPy user writes it: fully vectorised, the weights, DM_j and the residuals computed
once and shared by all estimators. One thread (OPENBLAS_NUM_THREADS=1). Per repetition NumPy runs once,
then bench_ope once; the ratio is the median of per-repetition ratios of rounds per second.

The shared protocol (benchmarks/peers/protocol.py): idle check, machine report, --json.

  /usr/bin/python3 benchmarks/peers/ope_peer.py --bench build/.../benchmarks/bench_ope [--repeats 5] [--json f.json]
"""
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

import protocol  # noqa: E402

a, idle = protocol.parse_bench_arguments(__doc__, "bench_ope")

N, K = 1_000_000, 80
Z = 1.959963984540054


def make_log(seed=1):
    rng = np.random.default_rng(seed)
    scores = np.exp(rng.standard_normal((N, K)))
    target = scores / scores.sum(axis=1, keepdims=True)
    greedy = np.zeros((N, K))
    greedy[np.arange(N), target.argmax(axis=1)] = 1.0
    reward_model = 0.01 * rng.random((N, K))
    actions = rng.integers(0, K, N)
    propensities = np.full(N, 1.0 / K)
    rewards = (rng.random(N) < 0.005).astype(np.float64)
    return actions, rewards, propensities, target, greedy, reward_model


def check(actions, rewards, propensities, target, reward_model=None, deterministic=False):
    n = actions.shape[0]
    if rewards.shape != (n,) or propensities.shape != (n,) or target.shape[0] != n:
        raise ValueError("shapes")
    if not (np.all(propensities > 0) and np.all(propensities <= 1)):
        raise ValueError("propensities")
    if not (np.all(actions >= 0) and np.all(actions < target.shape[1])):
        raise ValueError("actions")
    if not np.all(np.isfinite(rewards)):
        raise ValueError("rewards")
    if not (target.min() >= 0 and target.max() <= 1):
        raise ValueError("target range")
    if not np.allclose(target.sum(axis=1), 1.0, rtol=0, atol=1e-6):
        raise ValueError("target rows")
    if deterministic and not np.all((target == 0) | (target == 1)):
        raise ValueError("replay needs a deterministic target")
    if reward_model is not None:
        if reward_model.shape != target.shape or not np.all(np.isfinite(reward_model)):
            raise ValueError("reward model")


def estimate(d, a, b):
    """mean(d) + sum(a) / sum(b), its delta-method standard error and normal interval (d may be None)."""
    n = a.shape[0]
    sb = b.sum()
    ratio = a.sum() / sb
    mean_b = sb / n
    r = a - ratio * b
    value = ratio
    if d is not None:
        mean_d = d.mean()
        r = r + mean_b * (d - mean_d)
        value = mean_d + ratio
    se = np.sqrt((r * r).sum() / (n * (n - 1))) / mean_b
    return value, se, value - Z * se, value + Z * se


def numpy_all_estimators(actions, rewards, propensities, target, greedy, reward_model, tau=100.0, lam=100.0):
    check(actions, rewards, propensities, target, reward_model)
    rows = np.arange(actions.shape[0])
    w = target[rows, actions] / propensities
    direct = np.einsum("ij,ij->i", target, reward_model)
    residual = rewards - reward_model[rows, actions]
    ones = np.ones_like(w)
    out = {
        "naive": estimate(None, rewards, ones),
        "ips": estimate(None, w * rewards, ones),
        "snips": estimate(None, w * rewards, w),
        "dm": estimate(None, direct, ones),
        "dr": estimate(None, direct + w * residual, ones),
        "sndr": estimate(direct, w * residual, w),
        "switch_dr": estimate(None, direct + np.where(w <= tau, w * residual, 0.0), ones),
        "dros": estimate(None, direct + lam * w / (w * w + lam) * residual, ones),
    }
    check(actions, rewards, propensities, greedy, deterministic=True)
    match = greedy[rows, actions] == 1.0
    out["replay"] = estimate(None, np.where(match, rewards, 0.0), match.astype(np.float64))
    return out


def numpy_rounds_per_second(data, min_seconds=2.0):
    runs, t0 = 0, time.perf_counter()
    while True:
        numpy_all_estimators(*data)
        runs += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds:
            return runs * N / elapsed


def ours():
    return protocol.benchmark_counter(a.bench, "ope/all_estimators", "rounds_per_second")


info = protocol.machine(a.bench)
protocol.print_machine(info, idle)
data = make_log()
values = numpy_all_estimators(*data)
print("NumPy estimates on its log: " + ", ".join(f"{k} {v[0]:.6f} (se {v[1]:.6f})" for k, v in values.items()), flush=True)
protocol.paired_rates(a, info, idle, "ope/all_estimators", "OPE, nine estimators, 1M rounds x 80 actions",
                      lambda: numpy_rounds_per_second(data), ours)
