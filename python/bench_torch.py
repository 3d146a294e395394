"""Training throughput of valence's default network in PyTorch on the CPU:
input 108 -> 256 -> 128 -> 64 -> 1, each hidden layer Linear (no bias) ->
BatchNorm1d (eps 1e-3, momentum 0.1) -> ReLU -> Dropout(0.2), AdamW
(lr 1e-3, weight decay 0.01 on the dense weights), MSE, batch size 64, on
10,000 examples, as valence-host/benches/train.rs does with candle.
Prints `torch train: N samples/s ...`.

    python bench_torch.py [--epochs 5] [--batch 64] [--threads N]
"""

import argparse
import os
import time

import torch
from torch import nn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, d = 10_000, 108
    x = torch.rand(n, d) - 0.5
    y = x[:, :10].sum(dim=1, keepdim=True)
    layers, width = [], d
    for h in (256, 128, 64):
        layers += [
            nn.Linear(width, h, bias=False),
            nn.BatchNorm1d(h, eps=1e-3, momentum=0.1),
            nn.ReLU(),
            nn.Dropout(0.2),
        ]
        width = h
    layers.append(nn.Linear(width, 1))
    model = nn.Sequential(*layers)
    decay = [p for name, p in model.named_parameters() if p.dim() == 2]
    other = [p for name, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 1e-2}, {"params": other, "weight_decay": 0.0}],
        lr=1e-3,
    )
    loss_fn = nn.MSELoss()
    model.train()
    seen, busy = 0, 0.0
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for start in range(0, n, args.batch):
            idx = perm[start : start + args.batch]
            if len(idx) < 2:
                continue
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            seen += len(idx)
        busy += time.perf_counter() - t0
    print(
        f"torch train: {seen / busy:.0f} samples/s (default network, batch {args.batch}, "
        f"{n} examples x {args.epochs} epochs, {args.threads} threads, torch {torch.__version__})"
    )


if __name__ == "__main__":
    main()
