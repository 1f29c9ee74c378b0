#!/usr/bin/python3
"""How well two run labels of a Flow-Bench workflow separate on per-run aggregates
(docs/results.md, "Graph models", session 8).

Per run and per transformation: the mean, max and min over its jobs of
log((x + 1) / (m + 1)), x a column of the job, m the median of that column over the jobs of
the same transformation in the normal runs. Prints the best single-threshold accuracy of each
aggregate (top 10), then the 5-fold cross-validated accuracy of HistGradientBoosting on every
aggregate and on each column's aggregates alone. With --tree COLUMN, also that of decision
trees of depth 1-4 and of logistic regression on COLUMN's aggregates, and the depth-3 tree
fitted on all runs: which aggregates a threshold model needs (docs/results.md, session 10).

usage: scripts/label_separability.py PARSED_DIR WORKFLOW LABEL_A LABEL_B [--tree COLUMN]
  e.g. scripts/label_separability.py ../shared/data/flowbench/parsed montage hdd_5 hdd_10
"""
import math
import os
import statistics
import sys
from collections import defaultdict

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, export_text

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_signal import load, number, transformation  # noqa: E402

COLUMNS = ["wms_delay", "queue_delay", "runtime", "stage_in_delay", "stage_out_delay",
           "kickstart_executables_cpu_time", "kickstart_online_utime",
           "kickstart_online_iowait", "stage_in_bytes", "stage_out_bytes",
           "stage_in_effective_bytes_per_sec", "stage_out_effective_bytes_per_sec"]
STATS = ("mean", "max", "min")


def aggregates(jobs, median):
    """{(transformation, column, stat): value} of one run."""
    logs = defaultdict(list)
    for j in jobs:
        t = transformation(j[""])
        for c in COLUMNS:
            v = number(j.get(c, ""))
            if v is not None and (t, c) in median:
                logs[(t, c)].append(math.log((v + 1) / (median[(t, c)] + 1)))
    out = {}
    for k, v in logs.items():
        for s, f in zip(STATS, (np.mean, np.max, np.min)):
            out[k + (s,)] = float(f(v))
    return out


def best_threshold(a, b):
    x = np.array(a + b)
    y = np.array([0] * len(a) + [1] * len(b))
    return max(max(np.mean((x > t) == y), np.mean((x > t) != y)) for t in np.unique(x))


def threshold_models(x, y, names, cv):
    """Cross-validated accuracy of small trees and of logistic regression, and one tree."""
    for depth in (1, 2, 3, 4):
        acc = cross_val_score(DecisionTreeClassifier(max_depth=depth, random_state=0), x, y,
                              cv=cv).mean()
        print(f"  decision tree, depth {depth}: {acc:.3f}")
    for c in (0.1, 1.0, 10.0):
        lr = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))
        print(f"  logistic regression, C {c:g}: {cross_val_score(lr, x, y, cv=cv).mean():.3f}")
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y)
    print("  depth-3 tree on every run (True: the second label):")
    print(export_text(tree, feature_names=names, decimals=2))


def main(argv):
    tree_column = None
    if len(argv) == 7 and argv[5] == "--tree":
        tree_column = argv[6]
        argv = argv[:5]
    if len(argv) != 5:
        sys.exit(__doc__)
    parsed, workflow, la, lb = argv[1:]
    normal = load(parsed, workflow, "normal")
    runs = load(parsed, workflow, la) + load(parsed, workflow, lb)
    if not normal or not any(r[0] == la for r in runs) or not any(r[0] == lb for r in runs):
        sys.exit(f"label_separability: no normal, {la} or {lb} runs of {workflow} under {parsed}")
    seen = defaultdict(list)
    for _, _, jobs in normal:
        for j in jobs:
            for c in COLUMNS:
                v = number(j.get(c, ""))
                if v is not None:
                    seen[(transformation(j[""]), c)].append(v)
    median = {k: statistics.median(v) for k, v in seen.items()}
    rows = [(lab, aggregates(jobs, median)) for lab, _, jobs in runs]
    keys = sorted(set.intersection(*(set(r) for _, r in rows)))  # present in every run
    y = np.array([lab == lb for lab, _ in rows])
    print(f"{workflow}: {int((~y).sum())} {la} runs, {int(y.sum())} {lb} runs, "
          f"{len(keys)} aggregates present in every run")
    single = sorted(((best_threshold([r[k] for lab, r in rows if lab == la],
                                     [r[k] for lab, r in rows if lab == lb]), k) for k in keys),
                    reverse=True)
    print("best single thresholds:")
    for acc, (t, c, s) in single[:10]:
        print(f"  {acc:.3f}  {s} of {c} over {t}")
    cv = StratifiedKFold(5, shuffle=True, random_state=0)

    def cv_acc(ks):
        x = np.array([[r[k] for k in ks] for _, r in rows])
        return cross_val_score(HistGradientBoostingClassifier(random_state=0), x, y,
                               cv=cv).mean()

    print(f"HistGradientBoosting, 5-fold: every aggregate {cv_acc(keys):.3f}")
    for c in COLUMNS:
        ks = [k for k in keys if k[1] == c]
        if ks:
            print(f"  {c} alone: {cv_acc(ks):.3f}")
    if tree_column:
        ks = [k for k in keys if k[1] == tree_column]
        if not ks:
            sys.exit(f"label_separability: no aggregate of column {tree_column}")
        print(f"threshold models on {tree_column} alone, 5-fold:")
        x = np.array([[r[k] for k in ks] for _, r in rows])
        threshold_models(x, y, [f"{s} over {t}" for t, _, s in ks], cv)


if __name__ == "__main__":
    main(sys.argv)
