#!/usr/bin/env python3
"""Parity with PyTorch, Python half: trains in PyTorch the model test_torch_parity trained with
causalrec's train::fit, from the same initial weights on the same batches, and compares.

Usage: torch_parity.py DIR

DIR holds the files the C++ case "torch parity: fit writes the inputs and results of the PyTorch
comparison" wrote (see tests/test_torch_parity.cpp): parity_input.safetensors (data, initial
weights, batch order) and parity_result.safetensors (causalrec's per-epoch losses, final weights).
numpy and torch only; the files are read with tests/support/read_safetensors.py's reader.

Compared, each epoch: the validation loss (must agree within 1% relative; measured a few 1e-9) and
the training loss (the row-weighted mean of the batch losses, same bound); after training: every
weight and bias (within 1e-3 of the training movement per tensor and lr = 1e-3 per element, see
WEIGHT_NORM_TOLERANCE). Prints the measured differences; exits 1 with a message on a mismatch.
"""
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from read_safetensors import read_safetensors  # noqa: E402  (the numpy-only reader next to this file)

LOSS_TOLERANCE = 0.01  # relative, per epoch: the claim under test (measured: a few 1e-9)
# Final weights. Both libraries run the same float32 arithmetic and differ only in rounding: the
# summation order inside the matrix products (OpenBLAS here, PyTorch's own kernels there) and the
# loss and its gradient, which causalrec computes in double. Measured: max |diff| ~9e-8 and
# ~6e-7 of the training movement (a few ulps). Adam does not damp differences (every weight moves
# by about lr per step whatever the size of its gradient; where a gradient is near zero, a tiny
# change can flip the sign of a step), so a real fault is amplified: one initial weight off by
# 1e-5, two rows swapped between two batches, the last batch skipped or Adam's eps at 1e-7 each
# leave some tensor >= 1e-2 of its movement apart and some element >= 1e-2 = 10 lr apart. The
# bounds sit in between, >= 1000x above the rounding noise (room for other BLAS kernels and CPUs,
# even for a single step whose sign flips) and >= 10x below those faults:
#   per tensor, ||w_torch - w_causalrec|| <= 1e-3 ||w_causalrec - w_initial|| (the training movement);
#   every element, |w_torch - w_causalrec| <= lr = 1e-3 (one Adam step).
WEIGHT_NORM_TOLERANCE = 1e-3
WEIGHT_MAX_TOLERANCE_IN_LR = 1.0


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def load(path):
    if not path.exists():
        fail(f"{path} does not exist (run the test_torch_parity_write fixture first)")
    tensors, metadata, *_ = read_safetensors(path)
    return tensors, metadata


def layer_indices(tensors):
    """The dense layers' positions in the sequential model, from the "layer<i>.weight" names."""
    return sorted(int(name[len("layer"):-len(".weight")]) for name in tensors
                  if name.startswith("layer") and name.endswith(".weight"))


class Mlp(nn.Module):
    """Dense/relu stack ending in one logit; the sigmoid of causalrec's last layer is left to the loss."""

    def __init__(self, tensors, indices):
        super().__init__()
        self.indices = indices
        self.linears = nn.ModuleList()
        for i in indices:
            w = tensors[f"layer{i}.weight"]  # causalrec: (in, out), Y = X W + b
            b = tensors[f"layer{i}.bias"]
            linear = nn.Linear(w.shape[0], w.shape[1])  # torch: weight (out, in), Y = X W^T + b
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.array(w.T)))  # a writable, contiguous copy
                linear.bias.copy_(torch.from_numpy(b.copy()))
            self.linears.append(linear)

    def forward(self, x):
        for k, linear in enumerate(self.linears):
            x = linear(x)
            if k + 1 < len(self.linears):
                x = torch.relu(x)
        return x  # the logits, shape (rows, 1)

    def named_weights(self):
        """The parameters as numpy arrays under causalrec's names and shapes."""
        out = {}
        for i, linear in zip(self.indices, self.linears):
            out[f"layer{i}.weight"] = linear.weight.detach().numpy().T.copy()
            out[f"layer{i}.bias"] = linear.bias.detach().numpy().copy()
        return out


def main():
    if len(sys.argv) != 2:
        fail("usage: torch_parity.py DIR")
    folder = Path(sys.argv[1])
    data, meta = load(folder / "parity_input.safetensors")
    ours, _ = load(folder / "parity_result.safetensors")

    torch.set_num_threads(1)
    epochs = int(meta["epochs"])
    lr = float(meta["lr"])
    x_train = torch.from_numpy(data["X_train"].copy())
    y_train = torch.from_numpy(data["y_train"].copy()).reshape(-1, 1)
    x_val = torch.from_numpy(data["X_val"].copy())
    y_val = torch.from_numpy(data["y_val"].copy()).reshape(-1, 1)
    order = data["batch_order"]
    sizes = data["batch_sizes"]
    n_train = x_train.shape[0]
    if order.shape != (epochs, n_train) or int(sizes.sum()) != n_train:
        fail(f"batch_order has shape {order.shape} and batch_sizes sum to {int(sizes.sum())}; "
             f"expected ({epochs}, {n_train}) and {n_train}")
    for e in range(epochs):
        if not np.array_equal(np.sort(order[e]), np.arange(n_train)):
            fail(f"the batch order of epoch {e} is not a permutation of the {n_train} training rows")

    indices = layer_indices(data)
    model = Mlp(data, indices)
    initial = model.named_weights()
    for name, w in initial.items():
        if not np.array_equal(w, data[name]):
            fail(f"{name}: the initial weights did not load unchanged")

    # train::fit on a sequential model ending in sigmoid with loss::binary_cross_entropy
    # differentiates through the logits (train/fit.hpp, fused_sigmoid): the batch loss is
    # value_and_gradient_from_logits, the unclamped mean of max(z, 0) - z y + log1p(exp(-|z|)) over
    # the batch, with gradient (sigmoid(z) - y) / rows. That is BCEWithLogitsLoss (mean) on the
    # pre-sigmoid output. BCELoss on the sigmoid would differ: it computes from probabilities and
    # clamps the logarithms at -100 (and causalrec's probability path clamps p to [1e-7, 1 - 1e-7]),
    # which fit does not use here.
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)  # betas (0.9, 0.999), eps 1e-8, as causalrec's defaults

    train_loss, val_loss = [], []
    start = time.perf_counter()
    for e in range(epochs):
        model.train()
        total, pos = 0.0, 0
        for size in sizes:
            rows = torch.from_numpy(order[e, pos:pos + int(size)].astype(np.int64))
            pos += int(size)
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[rows]), y_train[rows])
            loss.backward()
            optimizer.step()
            total += loss.item() * int(size)  # fit: the epoch loss is the row-weighted mean of the batch losses
        train_loss.append(total / n_train)
        # fit's validation loss: value_from_logits accumulated in double over the whole validation
        # set (batches of 512, weighted by rows = the plain mean); here the float32 logits are taken
        # to float64 before the same loss.
        model.eval()
        with torch.no_grad():
            logits = model(x_val).double()
            val_loss.append(nn.functional.binary_cross_entropy_with_logits(logits, y_val.double()).item())
    seconds = time.perf_counter() - start

    ok = True
    worst = {}
    for label, mine, theirs in (("val_loss", val_loss, ours["val_loss"]), ("loss", train_loss, ours["loss"])):
        if len(theirs) != epochs:
            fail(f"causalrec recorded {len(theirs)} values of {label}, expected {epochs}")
        worst[label] = 0.0
        for e in range(epochs):
            rel = abs(mine[e] - theirs[e]) / abs(theirs[e])
            worst[label] = max(worst[label], rel if rel == rel else float("inf"))  # NaN counts as a failure
            print(f"epoch {e + 1}: {label:8s} causalrec {theirs[e]:.9f}  torch {mine[e]:.9f}  rel diff {rel:.3e}")
            if not rel <= LOSS_TOLERANCE:
                print(f"FAIL: epoch {e + 1}: {label} differs by {rel:.3e} relative (tolerance {LOSS_TOLERANCE})")
                ok = False

    final = model.named_weights()
    worst_norm, worst_max, worst_rel_to_scale = 0.0, 0.0, 0.0
    for name, w in final.items():
        mine = w.astype(np.float64)
        theirs = ours[name].astype(np.float64)
        if mine.shape != theirs.shape:
            fail(f"{name}: torch shape {mine.shape}, causalrec shape {theirs.shape}")
        moved = np.linalg.norm(theirs - initial[name].astype(np.float64))
        apart = np.linalg.norm(mine - theirs)
        norm_ratio = apart / moved
        max_abs = float(np.max(np.abs(mine - theirs)))
        worst_norm = max(worst_norm, norm_ratio if np.isfinite(norm_ratio) else float("inf"))
        worst_max = max(worst_max, max_abs if np.isfinite(max_abs) else float("inf"))
        worst_rel_to_scale = max(worst_rel_to_scale, max_abs / float(np.max(np.abs(theirs))))
        print(f"{name:14s} {str(theirs.shape):10s} max |diff| {max_abs:.3e} ({max_abs / lr:.3f} lr)  "
              f"||diff|| / ||moved|| {norm_ratio:.3e}")
        if not norm_ratio <= WEIGHT_NORM_TOLERANCE:
            print(f"FAIL: {name}: torch and causalrec weights are {norm_ratio:.3e} of the training movement apart "
                  f"(tolerance {WEIGHT_NORM_TOLERANCE})")
            ok = False
        if not max_abs <= WEIGHT_MAX_TOLERANCE_IN_LR * lr:
            print(f"FAIL: {name}: an element differs by {max_abs:.3e} (tolerance {WEIGHT_MAX_TOLERANCE_IN_LR} lr)")
            ok = False

    print(f"max relative difference: val_loss {worst['val_loss']:.3e}, loss {worst['loss']:.3e} "
          f"(tolerance {LOSS_TOLERANCE}); weights: max |diff| {worst_max:.3e} "
          f"({worst_rel_to_scale:.3e} of the largest |weight| of its tensor), "
          f"max ||diff|| / ||moved|| {worst_norm:.3e}; torch training {seconds:.2f} s")
    if not ok:
        sys.exit(1)
    print("OK: PyTorch and causalrec agree")


if __name__ == "__main__":
    main()
