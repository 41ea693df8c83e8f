"""An independent GANITE on IHDP, in PyTorch: the reference run beside causalrec's causal::ganite.

GANITE (Yoon, Jordon & van der Schaar, ICLR 2018) as the authors' public code builds it, with the
squared error in place of the cross-entropy that code uses for its binary Twins outcome:
  - generator G(x, t, y): two shared relu layers, one relu layer and a linear output per arm;
  - discriminator D(x, y0~, y1~): the factual outcome in the treated arm's slot, G's proposal in the
    other; two relu layers and a logit; its loss is the cross-entropy against t;
  - G minimises its factual squared error + alpha * (minus D's loss), the authors' minimax form;
    two discriminator updates per generator update, batches drawn without replacement each update;
  - the inference network I(x) (same shape as G without t and y) then fits the completed pairs
    (factual outcome, G's counterfactual) by squared error; effect = I's mu1 - mu0.
Weights as the authors' xavier_init draws them (normal, sd sqrt(2 / fan_in)), biases zero, Adam 1e-3.
Outcomes standardised on the training rows (as causalrec does), predictions unscaled.

Protocol: causalrec's (tests/tools/ihdp_neural.cpp): replication r of ../shared/data/ihdp, the 672
CFRNet training rows to fit, the 75 CFRNet test rows scored by sqrt(PEHE) on mu1 - mu0.

    /usr/bin/python3 tests/support/ganite_reference.py SHARED_DIR [--reps 1-40] [--seed 0]
        [--passes 200 | --iterations 10000] [--hidden 30] [--alpha 1] [--l2 0]

`passes` counts updates as causalrec's `epochs` does (one pass = ceil(672 / 256) generator updates);
`iterations` counts them as the authors' code does (10,000 there). `l2` adds l2 * w to the gradients
of G's and I's weight matrices (causalrec's ganite_options::l2).
"""
import argparse
import csv
import math
import os

import numpy as np
import torch


def load_rep(shared, rep, test_rows):
    data = np.loadtxt(os.path.join(shared, "data", "ihdp", "csv", f"ihdp_npci_{rep}.csv"), delimiter=",")
    t, y, mu0, mu1 = data[:, 0], data[:, 1], data[:, 3], data[:, 4]
    x = data[:, 5:].copy()
    x[:, 13] -= 1.0  # x14 is coded {1, 2}
    test = np.zeros(len(y), dtype=bool)
    test[test_rows[rep]] = True
    return x, t, y, mu1 - mu0, test


def read_test_rows(shared):
    rows = {}
    with open(os.path.join(shared, "data", "ihdp", "cfrnet_1-100_test_rows_reps1-40.csv")) as f:
        for r in csv.DictReader(f):
            rows.setdefault(int(r["replication"]), []).append(int(r["csv_row"]))
    return rows


def layer(fan_in, fan_out):
    lin = torch.nn.Linear(fan_in, fan_out)
    with torch.no_grad():
        lin.weight.normal_(0.0, 1.0 / math.sqrt(fan_in / 2.0))
        lin.bias.zero_()
    return lin


class TwoHeads(torch.nn.Module):
    """Two shared relu layers, then one relu layer and a linear output per arm: (mu0, mu1)."""

    def __init__(self, inputs, hidden):
        super().__init__()
        self.shared = torch.nn.ModuleList([layer(inputs, hidden), layer(hidden, hidden)])
        self.heads = torch.nn.ModuleList([torch.nn.ModuleList([layer(hidden, hidden), layer(hidden, 1)]) for _ in range(2)])

    def forward(self, z):
        for lin in self.shared:
            z = torch.relu(lin(z))
        return torch.cat([head[1](torch.relu(head[0](z))) for head in self.heads], dim=1)


class Discriminator(torch.nn.Module):
    def __init__(self, inputs, hidden):
        super().__init__()
        self.layers = torch.nn.ModuleList([layer(inputs, hidden), layer(hidden, hidden), layer(hidden, 1)])

    def forward(self, x, t, y, proposal):
        slot0 = (1 - t) * y + t * proposal[:, 0:1]
        slot1 = t * y + (1 - t) * proposal[:, 1:2]
        z = torch.cat([x, slot0, slot1], dim=1)
        z = torch.relu(self.layers[0](z))
        z = torch.relu(self.layers[1](z))
        return self.layers[2](z)


def add_l2(module, l2):
    if l2 > 0:
        for name, p in module.named_parameters():
            if name.endswith("weight") and p.grad is not None:
                p.grad.add_(p.detach(), alpha=l2)


def fit_predict(x, t, y, x_test, a):
    n, d = x.shape
    mean, sd = y.mean(), y.std()
    X = torch.tensor(x, dtype=torch.float32)
    T = torch.tensor(t, dtype=torch.float32).reshape(-1, 1)
    Y = torch.tensor((y - mean) / sd, dtype=torch.float32).reshape(-1, 1)
    G, D, I = TwoHeads(d + 2, a.hidden), Discriminator(d + 2, a.hidden), TwoHeads(d, a.hidden)
    g_opt, d_opt, i_opt = (torch.optim.Adam(m.parameters(), lr=1e-3) for m in (G, D, I))
    bce = torch.nn.BCEWithLogitsLoss()
    batch = min(256, n)
    updates = a.iterations if a.iterations else a.passes * math.ceil(n / batch)

    def draw():
        idx = torch.randperm(n)[:batch]
        return X[idx], T[idx], Y[idx]

    for _ in range(updates):
        for _ in range(2):
            xb, tb, yb = draw()
            with torch.no_grad():
                proposal = G(torch.cat([xb, tb, yb], dim=1))
            d_loss = bce(D(xb, tb, yb, proposal), tb)
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
        xb, tb, yb = draw()
        proposal = G(torch.cat([xb, tb, yb], dim=1))
        factual = tb * proposal[:, 1:2] + (1 - tb) * proposal[:, 0:1]
        g_loss = torch.mean((yb - factual) ** 2) - a.alpha * bce(D(xb, tb, yb, proposal), tb)
        g_opt.zero_grad()
        g_loss.backward()
        add_l2(G, a.l2)
        g_opt.step()
    for _ in range(updates):
        xb, tb, yb = draw()
        with torch.no_grad():
            proposal = G(torch.cat([xb, tb, yb], dim=1))
        target1 = tb * yb + (1 - tb) * proposal[:, 1:2]
        target0 = (1 - tb) * yb + tb * proposal[:, 0:1]
        out = I(xb)
        i_loss = torch.mean((target1 - out[:, 1:2]) ** 2) + torch.mean((target0 - out[:, 0:1]) ** 2)
        i_opt.zero_grad()
        i_loss.backward()
        add_l2(I, a.l2)
        i_opt.step()
    with torch.no_grad():
        out = I(torch.tensor(x_test, dtype=torch.float32)).numpy().astype(np.float64)
    return (out[:, 1] - out[:, 0]) * sd


def parse_reps(s):
    if "-" in s:
        lo, hi = s.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(v) for v in s.split(",")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("shared")
    ap.add_argument("--reps", default="1-40")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--passes", type=int, default=200)
    ap.add_argument("--iterations", type=int, default=0, help="updates per stage as the authors count them (overrides --passes)")
    ap.add_argument("--hidden", type=int, default=30)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--l2", type=float, default=0.0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.l2 > 0:
        torch.set_flush_denormal(True)  # weights that l2 shrinks to denormals would run at a fraction of the speed
    test_rows = read_test_rows(a.shared)
    scores = []
    for rep in parse_reps(a.reps):
        torch.manual_seed(a.seed * 1000 + rep)
        x, t, y, tau, test = load_rep(a.shared, rep, test_rows)
        tau_hat = fit_predict(x[~test], t[~test], y[~test], x[test], a)
        pehe = math.sqrt(float(np.mean((tau[test] - tau_hat) ** 2)))
        scores.append(pehe)
        print(f"rep {rep:2d}  sqrt(PEHE) {pehe:.3f}", flush=True)
    s = np.array(scores)
    print(f"mean {s.mean():.3f}  median {np.median(s):.3f}  over {len(s)} replications "
          f"(seed {a.seed}, hidden {a.hidden}, alpha {a.alpha}, l2 {a.l2}, "
          f"{'iterations ' + str(a.iterations) if a.iterations else 'passes ' + str(a.passes)})")


if __name__ == "__main__":
    main()
