"""PyTorch reference for bench/nn: trains the same model as wfad's mlp or ae detector on the
matrix bench/nn wrote (x.f32 rows x d, y.u8), batch 256 shuffled each epoch, AdamW(lr 1e-3,
weight decay 1e-4), and prints the mean seconds per epoch.
usage: nn_torch.py mlp|ae DIR ROWS D EPOCHS THREADS"""
import os
import sys
import time

import numpy as np
import torch


def main():
    model_kind, folder = sys.argv[1], sys.argv[2]
    rows, d, epochs, threads = (int(v) for v in sys.argv[3:7])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.from_numpy(np.fromfile(os.path.join(folder, "x.f32"), dtype=np.float32)
                         .reshape(rows, d).copy())
    y = torch.from_numpy(np.fromfile(os.path.join(folder, "y.u8"), dtype=np.uint8)
                         .astype(np.float32)).reshape(rows, 1)
    if model_kind == "mlp":
        net = torch.nn.Sequential(
            torch.nn.Linear(d, 64), torch.nn.ReLU(), torch.nn.Dropout(0.1),
            torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Dropout(0.1),
            torch.nn.Linear(64, 1))
        pos = float(y.sum())
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([(rows - pos) / pos]))
    else:
        b = max(2, d // 4)
        net = torch.nn.Sequential(
            torch.nn.Linear(d, 64), torch.nn.ReLU(), torch.nn.Linear(64, b), torch.nn.ReLU(),
            torch.nn.Linear(b, 64), torch.nn.ReLU(), torch.nn.Linear(64, d))
        loss_fn = torch.nn.MSELoss()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    net.train()
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(rows)
        for b0 in range(0, rows, 256):
            idx = perm[b0:b0 + 256]
            xb = x[idx]
            out = net(xb)
            loss = loss_fn(out, y[idx] if model_kind == "mlp" else xb)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
    print((time.perf_counter() - t0) / epochs)


main()
