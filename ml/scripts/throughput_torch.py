#!/usr/bin/env python3
"""PyTorch CPU training throughput of the same MLP and LeNet as examples/throughput.rs."""
import argparse
import time

import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=64)
p.add_argument("--steps", type=int, default=200)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)

mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
lenet = nn.Sequential(
    nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
)
data = torch.rand(a.batch * 50, 1, 28, 28)
labels = torch.randint(0, 10, (a.batch * 50,))
for name, model in [("mlp", mlp), ("lenet", lenet)]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step(i):
        lo = (i % 50) * a.batch
        x, y = data[lo:lo + a.batch], labels[lo:lo + a.batch]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(10):
        step(i)
    t = time.perf_counter()
    for i in range(a.steps):
        step(i)
    s = time.perf_counter() - t
    print(f"pytorch   {name}: {a.steps * a.batch / s:.0f} samples/s (batch {a.batch}, {a.steps} steps, {s:.2f} s, {a.threads} threads)")
