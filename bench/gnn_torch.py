"""PyTorch reference for bench/gnn: trains the same model as wfad's gcn detector on the
matrices bench/gnn wrote: per GCN layer h = S (x W + b) with S = D^-1/2 (A + A^T + I) D^-1/2
as a sparse block-diagonal matrix over a batch of runs, ReLU, dropout 0.1; two layers of 64;
the job's features concatenated to the second layer's output; head Linear(64 + d, 64), ReLU,
dropout, Linear(64, 1); BCE with pos_weight = negatives / positives; AdamW(lr 1e-3, weight
decay 1e-4); batches of 32 runs shuffled each epoch; gradient clipping at 10. Prints the mean
seconds per epoch and the test ROC-AUC.
usage: gnn_torch.py DIR N_NODES NNZ D TRAIN_RUNS TEST_RUNS EPOCHS THREADS"""
import os
import sys
import time

import numpy as np
import torch

BATCH = 32
H = 64


def load(folder, name, dtype, shape):
    return np.fromfile(os.path.join(folder, name), dtype=dtype).reshape(shape)


def block_diag(ptr, idx, val, n, runs):
    """Sparse COO of S repeated on the diagonal for `runs` graphs."""
    rows = np.repeat(np.arange(n), np.diff(ptr))
    r = np.concatenate([rows + b * n for b in range(runs)])
    c = np.concatenate([idx.astype(np.int64) + b * n for b in range(runs)])
    v = np.tile(val, runs)
    s = torch.sparse_coo_tensor(np.stack([r, c]), torch.from_numpy(v), (runs * n, runs * n))
    return s.coalesce()


class GCN(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.g0 = torch.nn.Linear(d, H)
        self.g1 = torch.nn.Linear(H, H)
        self.h0 = torch.nn.Linear(H + d, H)
        self.h1 = torch.nn.Linear(H, 1)
        self.drop = torch.nn.Dropout(0.1)

    def forward(self, s, x):
        z = self.drop(torch.relu(torch.sparse.mm(s, self.g0(x))))
        z = self.drop(torch.relu(torch.sparse.mm(s, self.g1(z))))
        z = torch.cat([z, x], dim=1)
        return self.h1(self.drop(torch.relu(self.h0(z)))).squeeze(1)


def roc_auc(score, y):
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    s = score[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    pos = y.sum()
    neg = len(y) - pos
    return (ranks[y == 1].sum() - pos * (pos + 1) / 2.0) / (pos * neg)


def main():
    folder = sys.argv[1]
    n, nnz, d, n_train, n_test, epochs, threads = (int(v) for v in sys.argv[2:9])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    ptr = load(folder, "ptr.u32", np.uint32, (n + 1,)).astype(np.int64)
    idx = load(folder, "idx.u32", np.uint32, (nnz,))
    val = load(folder, "val.f32", np.float32, (nnz,))
    xtr = torch.from_numpy(load(folder, "xtr.f32", np.float32, (n_train * n, d)).copy())
    ytr = torch.from_numpy(load(folder, "ytr.u8", np.uint8, (n_train * n,)).astype(np.float32))
    xte = torch.from_numpy(load(folder, "xte.f32", np.float32, (n_test * n, d)).copy())
    yte = load(folder, "yte.u8", np.uint8, (n_test * n,)).astype(np.int64)
    s_full = block_diag(ptr, idx, val, n, BATCH)
    s_rest = block_diag(ptr, idx, val, n, n_train % BATCH) if n_train % BATCH else None
    pos = float(ytr.sum())
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(ytr) - pos) / pos))
    net = GCN(d)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    xr = xtr.view(n_train, n, d)
    yr = ytr.view(n_train, n)
    net.train()
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n_train)
        for b0 in range(0, n_train, BATCH):
            runs = perm[b0:b0 + BATCH]
            s = s_full if len(runs) == BATCH else s_rest
            xb = xr[runs].reshape(-1, d)
            out = net(s, xb)
            loss = loss_fn(out, yr[runs].reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
    per_epoch = (time.perf_counter() - t0) / epochs
    net.eval()
    scores = []
    with torch.no_grad():
        xe = xte.view(n_test, n, d)
        for b0 in range(0, n_test, BATCH):
            runs = xe[b0:b0 + BATCH]
            s = block_diag(ptr, idx, val, n, len(runs))
            scores.append(torch.sigmoid(net(s, runs.reshape(-1, d))).numpy())
    print(per_epoch, roc_auc(np.concatenate(scores).astype(np.float64), yte))


if __name__ == "__main__":
    main()
