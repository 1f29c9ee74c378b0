#!/usr/bin/python3
"""The run-level peer of ../shared/BASELINES.md on wfad's own splits, next to wfad's verdicts.

The peer's figures in BASELINES.md come from scikit-learn's splitter, so they are not on the
same runs as wfad's (docs/results.md, "Protocol"). This reads the file written by
`wfad eval ... --task run --predictions FILE`, fits the peer (HistGradientBoostingClassifier
on per-run aggregates: for each transformation, the mean and max over the run's jobs of the
six delays and of their ratios to the transformation's median over the training jobs, or with
--ratios runtime of the runtime's ratio alone: BASELINES.md says "delays and ratios" without
naming which; a transformation the run lacks is missing) on each seed's training runs, predicts its test runs,
and prints per seed the peer's accuracy and each wfad classifier's on the same test runs, then
the mean, and the mean paired difference (classifier - peer) with the seeds it won, tied, lost.

usage: scripts/runlevel_peer.py PREDICTIONS.csv FLOWBENCH_DIR [--ratios all|runtime]
  FLOWBENCH_DIR: the Flow-Bench folder wfad evaluated: run CSVs are read from its
  parsed/<label>/ folders or its data/*.zip archives
  e.g. build/wfad eval ../shared/data/flowbench -w montage -d gnnrun,ganttcnn --task run \\
         --predictions /tmp/montage.csv
       scripts/runlevel_peer.py /tmp/montage.csv ../shared/data/flowbench
"""
import csv
import glob
import io
import math
import os
import statistics
import sys
import zipfile
from collections import defaultdict

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_signal import number, transformation  # noqa: E402

DELAYS = ["wms_delay", "queue_delay", "runtime", "post_script_delay", "stage_in_delay",
          "stage_out_delay"]


class RunFiles:
    """The run CSVs under a Flow-Bench folder: parsed/<label>/<run>.csv or members of
    data/*.zip named <run>.csv."""

    def __init__(self, root):
        self.root = root
        self.members = {}
        for path in sorted(glob.glob(os.path.join(root, "data", "*.zip"))):
            z = zipfile.ZipFile(path)
            for name in z.namelist():
                if name.endswith(".csv"):
                    self.members[os.path.basename(name)[:-4]] = (z, name)

    def open(self, label, run):
        """The run's CSV as a text file."""
        path = os.path.join(self.root, "parsed", label, run + ".csv")
        if os.path.exists(path):
            return open(path, newline="")
        if run in self.members:
            z, name = self.members[run]
            return io.TextIOWrapper(z.open(name), newline="")
        sys.exit(f"{self.root}: no CSV for run {run} (label {label})")

    def jobs(self, label, run):
        """[(transformation, [six delays, missing -> 0])] of the run's jobs."""
        with self.open(label, run) as f:
            return [(transformation(job[""]), [number(job.get(c, "")) or 0.0 for c in DELAYS])
                    for job in csv.DictReader(f)]


def report(values, detectors, digits):
    """The peer's mean over the seeds; per detector its mean and the paired per-seed difference
    to the peer, with the seeds it won, tied and lost. values: name -> per-seed values."""
    n = len(values["peer"])
    sd = (lambda v: statistics.stdev(v) if len(v) > 1 else 0.0)
    print(f"mean over {n} seeds: peer {statistics.mean(values['peer']):.{digits}f} ± "
          f"{sd(values['peer']):.{digits}f}")
    for d in detectors:
        diff = [a - b for a, b in zip(values[d], values["peer"])]
        won = sum(x > 1e-12 for x in diff)
        lost = sum(x < -1e-12 for x in diff)
        print(f"  {d}: {statistics.mean(values[d]):.{digits}f} ± {sd(values[d]):.{digits}f}; "
              f"minus peer {statistics.mean(diff):+.{digits}f} ± {sd(diff):.{digits}f} "
              f"(won {won}, tied {n - won - lost}, lost {lost})")


def features(jobs, names, median, ratios):
    """One row: per transformation in names, mean and max of the delays and of the ratios of
    those in ratios (indices into DELAYS) to the transformation's medians."""
    by_t = defaultdict(list)
    for t, d in jobs:
        m = median.get(t, [0.0] * len(DELAYS))
        by_t[t].append(d + [d[i] / max(m[i], 0.1) for i in ratios])
    row = []
    for t in names:
        v = np.array(by_t[t]) if by_t[t] else None
        k = len(DELAYS) + len(ratios)
        row += list(v.mean(axis=0)) + list(v.max(axis=0)) if v is not None else [math.nan] * 2 * k
    return row


def main():
    args = sys.argv[1:]
    which = "all"
    if len(args) == 4 and args[2] == "--ratios" and args[3] in ("all", "runtime"):
        which = args[3]
        args = args[:2]
    if len(args) != 2:
        sys.exit(__doc__.split("\n\n")[-1].strip())
    ratios = range(len(DELAYS)) if which == "all" else [DELAYS.index("runtime")]
    pred_path, files = args[0], RunFiles(args[1])
    parts = defaultdict(lambda: defaultdict(list))  # seed -> part -> [(run, label)]
    verdict = defaultdict(dict)  # (seed, detector) -> run -> predicted
    labels = {}
    with open(pred_path, newline="") as f:
        for line, r in enumerate(csv.DictReader(f), start=2):
            if not r["detector"]:
                parts[int(r["seed"])][r["part"]].append(r["run"])
            else:
                verdict[(int(r["seed"]), r["detector"])][r["run"]] = r["predicted"]
            labels[r["run"]] = r["label"]
    if not parts:
        sys.exit(f"{pred_path}: no split rows (write it with wfad eval --task run --predictions)")
    jobs = {run: files.jobs(label, run) for run, label in labels.items()}
    detectors = sorted({d for _, d in verdict})
    acc = defaultdict(list)
    print("seed  test  peer  " + "  ".join(detectors))
    for seed in sorted(parts):
        train, test = parts[seed]["train"], parts[seed]["test"]
        seen = defaultdict(list)
        for run in train:
            for t, d in jobs[run]:
                seen[t].append(d)
        median = {t: [statistics.median(x[i] for x in v) for i in range(len(DELAYS))]
                  for t, v in seen.items()}
        names = sorted(seen)
        x = np.array([features(jobs[run], names, median, ratios) for run in train + test])
        y = np.array([labels[run] for run in train + test])
        peer = HistGradientBoostingClassifier(random_state=seed).fit(x[:len(train)],
                                                                      y[:len(train)])
        acc["peer"].append(float(np.mean(peer.predict(x[len(train):]) == y[len(train):])))
        for d in detectors:
            acc[d].append(statistics.mean(verdict[(seed, d)][run] == labels[run]
                                          for run in test))
        print(f"{seed:4d} {len(test):5d} {acc['peer'][-1]:.3f}  " +
              "  ".join(f"{acc[d][-1]:.3f}" for d in detectors))
    report(acc, detectors, 3)

if __name__ == "__main__":
    main()
