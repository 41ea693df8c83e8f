"""SASRec in PyTorch against causalrec's rec::sasrec, side by side, one thread each.

Both sides read the same file (the SASRec authors' Video.txt), take the leave-one-out training part of
the same first N users, and train the same model for one epoch: item embeddings x sqrt(d) + learned
positions, dropout, padding rows zeroed; per block q = LN(x), x = q + attention(q, x) (causal, padding
keys masked, no output projection, attention dropout), y = LN(x), x = (y + FFN(y)) * mask; final LN;
binary cross-entropy of the next item against one negative per position outside the user's sequence;
Adam (1e-3, betas 0.9 / 0.98), batch 128, L 50, d 50, 2 blocks, 1 head, dropout 0.5. Then both score
every item for every user's history and keep the top 10 (full ranking).

    python3 benchmarks/peers/sasrec_peer.py --bench build/dev/benchmarks/bench_sasrec \\
        --data ../shared/data/sasrec-video/Video.txt --users 8192 --repeats 3 --json sasrec.json
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--bench", required=True, help="path of the bench_sasrec program")
ap.add_argument("--data", default="../shared/data/sasrec-video/Video.txt")
ap.add_argument("--users", type=int, default=8192, help="the first N users (0 = all)")
protocol.add_arguments(ap, default_repeats=3)
a = ap.parse_args()

idle = protocol.require_idle(a.allow_busy)
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
info = protocol.machine(a.bench)
protocol.print_machine(info, idle)

L, D, BLOCKS, DROPOUT, BATCH = 50, 50, 2, 0.5, 128


def read_training(path, n_users):
    seqs, ids, items = {}, {}, {}
    with open(path) as f:
        for line in f:
            u, i = line.split()
            uu = ids.setdefault(u, len(ids))
            ii = items.setdefault(i, len(items))
            seqs.setdefault(uu, []).append(ii)
    users = [seqs[u] for u in range(len(ids))]
    train = [s[:-2] if len(s) >= 3 else s for s in users]
    if n_users:
        train = train[:n_users]
    return train, len(items)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_a = torch.nn.LayerNorm(D, eps=1e-8)
        self.q = torch.nn.Linear(D, D)
        self.k = torch.nn.Linear(D, D)
        self.v = torch.nn.Linear(D, D)
        self.ln_f = torch.nn.LayerNorm(D, eps=1e-8)
        self.ff1 = torch.nn.Linear(D, D)
        self.ff2 = torch.nn.Linear(D, D)
        self.drop = torch.nn.Dropout(DROPOUT)

    def forward(self, x, mask, causal):
        q_in = self.ln_a(x)
        q, k, v = self.q(q_in), self.k(x), self.v(x)
        s = q @ k.transpose(1, 2) / D ** 0.5
        allowed = causal & mask.unsqueeze(1)  # keys: padding masked
        s = s.masked_fill(~allowed, float("-inf"))
        p = torch.softmax(s, dim=-1).nan_to_num(0.0) * mask.unsqueeze(2)  # padding queries attend to nothing
        x = q_in + self.drop(p) @ v
        y = self.ln_f(x)
        x = y + self.drop(self.ff2(self.drop(torch.relu(self.ff1(y)))))
        return x * mask.unsqueeze(2)


class SASRec(torch.nn.Module):
    def __init__(self, n_items):
        super().__init__()
        self.item = torch.nn.Embedding(n_items + 1, D, padding_idx=n_items)
        self.pos = torch.nn.Embedding(L, D)
        self.blocks = torch.nn.ModuleList([Block() for _ in range(BLOCKS)])
        self.ln = torch.nn.LayerNorm(D, eps=1e-8)
        self.drop = torch.nn.Dropout(DROPOUT)
        self.n_items = n_items
        self.register_buffer("causal", torch.tril(torch.ones(L, L, dtype=torch.bool)))

    def forward(self, inputs):
        mask = inputs != self.n_items
        x = self.item(inputs) * D ** 0.5 + self.pos.weight.unsqueeze(0)
        x = self.drop(x) * mask.unsqueeze(2)
        for b in self.blocks:
            x = b(x, mask, self.causal)
        return self.ln(x)


def batch(train, users, n_items, rng):
    B = len(users)
    inp = np.full((B, L), n_items, dtype=np.int64)
    pos = np.full((B, L), n_items, dtype=np.int64)
    neg = np.full((B, L), n_items, dtype=np.int64)
    for b, u in enumerate(users):
        s = train[u]
        seen = set(s)
        pairs = min(len(s) - 1, L)
        for j in range(pairs):
            t, k = L - 1 - j, len(s) - 2 - j
            inp[b, t], pos[b, t] = s[k], s[k + 1]
            n = rng.integers(n_items)
            while n in seen:
                n = rng.integers(n_items)
            neg[b, t] = n
    return torch.from_numpy(inp), torch.from_numpy(pos), torch.from_numpy(neg)


def torch_train_epoch(train, n_items):
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    model = SASRec(n_items)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    users = [u for u in range(len(train)) if len(train[u]) >= 2]
    order = rng.permutation(len(users))
    model.train()
    t = time.perf_counter()
    for start in range(0, len(order), BATCH):
        inp, pos, neg = batch(train, [users[i] for i in order[start:start + BATCH]], n_items, rng)
        h = model(inp)
        real = pos != n_items
        ps = (h * model.item(pos)).sum(-1)
        ns = (h * model.item(neg)).sum(-1)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(ps[real], torch.ones_like(ps[real]), reduction="sum")
                + torch.nn.functional.binary_cross_entropy_with_logits(ns[real], torch.zeros_like(ns[real]), reduction="sum")) / real.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - t, len(users), model


def torch_full_ranking(model, train, n_items):
    model.eval()
    t = time.perf_counter()
    with torch.no_grad():
        for start in range(0, len(train), 256):
            chunk = train[start:start + 256]
            inp = np.full((len(chunk), L), n_items, dtype=np.int64)
            for b, s in enumerate(chunk):
                s = s[-L:]
                inp[b, L - len(s):] = s
            h = model(torch.from_numpy(inp))[:, -1, :]
            scores = h @ model.item.weight[:n_items].T
            torch.topk(scores, 10, dim=1)
    return time.perf_counter() - t


train, n_items = read_training(a.data, a.users)
env = dict(os.environ, CAUSALREC_SASREC_DATA=a.data, CAUSALREC_SASREC_USERS=str(a.users), OPENBLAS_NUM_THREADS="1")
rows = []
for r in range(a.repeats):
    peer_train, n_train, model = torch_train_epoch(train, n_items)
    peer_rank = torch_full_ranking(model, train, n_items)
    out = subprocess.run([a.bench, "--benchmark_format=json"], env=env, check=True, capture_output=True, text=True).stdout
    runs = {b["name"].split("/")[0]: b for b in json.loads(out)["benchmarks"] if b["run_type"] == "iteration"}
    ours_train = runs["BM_sasrec_train_epoch"]["real_time"]
    ours_rank = runs["BM_sasrec_full_ranking"]["real_time"]
    row = {"peer_train_s": peer_train, "ours_train_s": ours_train, "train_ratio": peer_train / ours_train,
           "peer_rank_s": peer_rank, "ours_rank_s": ours_rank, "rank_ratio": peer_rank / ours_rank}
    rows.append(row)
    print(f"rep {r}: train one epoch ({n_train} sequences): torch {peer_train:.2f} s ({n_train / peer_train:.0f}/s), "
          f"causalrec {ours_train:.2f} s ({n_train / ours_train:.0f}/s), ratio {row['train_ratio']:.2f}; "
          f"full ranking of {len(train)} users: torch {peer_rank:.2f} s, causalrec {ours_rank:.2f} s, ratio {row['rank_ratio']:.2f}",
          flush=True)
summary = [protocol.summary_row(f"SASRec training epoch, {n_train} sequences", "PyTorch",
                                [(x["peer_train_s"], x["ours_train_s"], x["train_ratio"]) for x in rows], "s"),
           protocol.summary_row(f"SASRec full ranking + top 10, {len(train)} users", "PyTorch",
                                [(x["peer_rank_s"], x["ours_rank_s"], x["rank_ratio"]) for x in rows], "s")]
for s in summary:
    print(f"{s['job']}: ratio median {s['ratio_median']:.2f} (min {s['ratio_min']:.2f}, max {s['ratio_max']:.2f})")
protocol.write_json(a.json, "SASRec vs PyTorch", info, idle, rows, summary)
