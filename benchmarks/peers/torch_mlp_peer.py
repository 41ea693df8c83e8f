#!/usr/bin/python3
"""The seed model in PyTorch against causalrec's bench_mlp, in one run, one thread each.

Model: 32 -> Linear(128) ReLU -> Linear(64) ReLU -> Linear(1) Sigmoid, BCELoss, Adam lr 1e-3,
200,000 rows of N(0, 1) features with logistic labels. PyTorch side (protocol of
../shared/bench/torch_mlp.py): per repetition a fresh model, 1 warm-up epoch, 2 timed epochs
(shuffle + all mini-batches, tensors sliced from a permuted copy); predict: 1,000,000 rows
under torch.inference_mode(), in batches of 8192 (the protocol) and of 512 (causalrec's default pass
size, which also suits PyTorch here); the faster of the two is compared. torch.set_num_threads(1) and OpenBLAS limited to one
thread (threadpoolctl). causalrec side: the bench_mlp program (Google Benchmark, one thread) on the same
rows, which this script writes to .npy files (protocol.shared_data, CAUSALREC_MLP_DATA), run right after
each PyTorch measurement; the ratio of each repetition is causalrec / PyTorch
samples per second, and the summary is the median of the per-repetition ratios.

The shared protocol (benchmarks/peers/protocol.py): refuses to start on a busy machine (--allow-busy
to measure anyway, flagged), prints the CPU, the BLAS kernels and the versions, 5 interleaved
repetitions by default, and --json writes the machine-readable result.

  /usr/bin/python3 benchmarks/peers/torch_mlp_peer.py --bench build/bench/benchmarks/bench_mlp [--repeats 5] [--json mlp.json]
"""
import argparse
import json
import statistics
import subprocess
import time

import numpy as np
import threadpoolctl
import torch
from torch import nn

import protocol

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--bench", required=True, help="path of the bench_mlp program")
ap.add_argument("--batches", default="32,256,1024")
protocol.add_arguments(ap)
a = ap.parse_args()
idle = protocol.require_idle(a.allow_busy)
batches = [int(b) for b in a.batches.split(",")]

torch.set_num_threads(1)
limits = threadpoolctl.threadpool_limits(1, user_api="blas")
rng = np.random.default_rng(0)
N, D = 200_000, 32
w = rng.standard_normal(D) / np.sqrt(D)
X = rng.standard_normal((N, D)).astype(np.float32)
y = (rng.random(N) < 1 / (1 + np.exp(-2 * X @ w))).astype(np.float32)
Xt, yt = torch.from_numpy(X), torch.from_numpy(y).unsqueeze(1)
X_big = torch.from_numpy(np.tile(X, (5, 1)))
info = protocol.machine(a.bench)
protocol.print_machine(info, idle)
env = protocol.shared_data(info, "CAUSALREC_MLP_DATA", x=X, y=y)


def model():
    return nn.Sequential(nn.Linear(D, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())


def epoch(m, opt, loss_fn, bs, gen):
    perm = torch.randperm(N, generator=gen)
    xs, ys = Xt[perm], yt[perm]
    for i in range(0, N, bs):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(m(xs[i:i + bs]), ys[i:i + bs])
        loss.backward()
        opt.step()


def torch_train(bs):
    torch.manual_seed(0)
    m = model()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()
    gen = torch.Generator().manual_seed(0)
    epoch(m, opt, loss_fn, bs, gen)  # warm-up
    t = time.perf_counter()
    for _ in range(2):
        epoch(m, opt, loss_fn, bs, gen)
    return 2 * N / (time.perf_counter() - t)


def torch_predict(bs):
    m = model().eval()
    with torch.inference_mode():
        for i in range(0, 100_000, bs):
            m(X_big[i:i + bs])
        t = time.perf_counter()
        for i in range(0, X_big.shape[0], bs):
            m(X_big[i:i + bs])
        return X_big.shape[0] / (time.perf_counter() - t)


def ours(name_filter):
    out = subprocess.run([a.bench, f"--benchmark_filter={name_filter}", "--benchmark_format=json",
                          "--benchmark_min_time=1"], env=env, check=True, capture_output=True, text=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b["run_type"] == "iteration"]
    return runs[0]["items_per_second"], runs[0].get("allocs_per_step")


rows = {f"train b{b}": [] for b in batches}
rows["predict 1M"] = []
for r in range(a.repeats):
    for b in batches:
        t = torch_train(b)
        c, allocs = ours(f"train/seed_mlp/batch/{b}/")
        rows[f"train b{b}"].append((t, c, c / t))
        print(f"rep {r} train batch {b}: PyTorch {t:,.0f}/s, causalrec {c:,.0f}/s (allocs/step {allocs:g}), ratio {c / t:.2f}",
              flush=True)
    # PyTorch at the protocol's 8192-row batches and at 512 (causalrec's default); the faster counts.
    t8192, t512 = torch_predict(8192), torch_predict(512)
    t = max(t8192, t512)
    print(f"rep {r} PyTorch predict: batch 8192 {t8192:,.0f}/s, batch 512 {t512:,.0f}/s", flush=True)
    c, _ = ours("predict/seed_mlp")
    rows["predict 1M"].append((t, c, c / t))
    print(f"rep {r} predict: PyTorch {t:,.0f}/s, causalrec {c:,.0f}/s, ratio {c / t:.2f}", flush=True)

print(f"\nPyTorch {torch.__version__}, torch threads {torch.get_num_threads()}, BLAS threads 1")
print("| job | PyTorch samples/s | causalrec samples/s | ratio (median, min-max) |")
print("|---|---|---|---|")
summary = [protocol.summary_row(k, "PyTorch", v, "samples/s") for k, v in rows.items()]
for row in summary:
    print(f"| {row['job']} | {row['peer_median']:,.0f} | {row['ours_median']:,.0f} | "
          f"**{row['ratio_median']:.2f}x** ({row['ratio_min']:.2f}-{row['ratio_max']:.2f}) |")
protocol.write_json(a.json, "seed MLP (train, predict) vs PyTorch", info, idle,
                    {k: [{"peer": x[0], "ours": x[1], "ratio": x[2]} for x in v] for k, v in rows.items()}, summary)
