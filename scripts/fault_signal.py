#!/usr/bin/python3
"""How visible a fault is in a Flow-Bench workflow's job records (docs/results.md, "Run level").

For each delay column, the mean and standard deviation of log((x + 1) / (m + 1)), m the median
of x over the jobs of the same transformation in the normal runs, for three groups: the jobs
labelled anomalous in the LABEL runs, the other jobs of those runs, and the jobs of the normal
runs. With --runs COLUMN, one line per normal and LABEL run instead: the mean, min and max of
that log ratio over the run's jobs (runs in start order). Column online_utilisation is derived:
(kickstart_online_utime + stime) / (execute_end - execute_start).

usage: scripts/fault_signal.py PARSED_DIR WORKFLOW LABEL [--runs COLUMN]
  PARSED_DIR: Flow-Bench's parsed/ folder (one sub-folder per run label, run CSVs inside)
  e.g. scripts/fault_signal.py ../shared/data/flowbench/parsed montage cpu_2
"""
import csv
import glob
import math
import os
import re
import statistics
import sys
from collections import defaultdict

COLUMNS = ["wms_delay", "queue_delay", "runtime", "stage_in_delay", "stage_out_delay",
           "kickstart_executables_cpu_time", "kickstart_online_utime",
           "kickstart_online_stime", "kickstart_online_iowait", "online_utilisation"]


def transformation(job_name):
    return re.sub(r"_ID\d+.*|_\d+$", "", job_name)


def online_utilisation(job):
    """(online utime + stime) / runtime: kickstart's CPU samples against the time it ran."""
    u, s = number(job.get("kickstart_online_utime", "")), number(job.get("kickstart_online_stime", ""))
    t0, t1 = number(job.get("execute_start", "")), number(job.get("execute_end", ""))
    if u is None or t0 is None or t1 is None or t1 <= t0:
        return None
    return (u + (s or 0.0)) / (t1 - t0)


DERIVED = {"online_utilisation": online_utilisation}


def value(job, c):
    return DERIVED[c](job) if c in DERIVED else number(job.get(c, ""))


def number(text):
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) and v >= 0 else None


def load(parsed, workflow, label):
    runs = []
    for path in sorted(glob.glob(os.path.join(parsed, label, workflow.replace("_", "-") + "-run*.csv"))):
        with open(path, newline="") as f:
            runs.append((label, os.path.basename(path), list(csv.DictReader(f))))
    return runs


def main(argv):
    if len(argv) not in (4, 6) or (len(argv) == 6 and argv[4] != "--runs"):
        sys.exit(__doc__)
    parsed, workflow, label = argv[1:4]
    runs = load(parsed, workflow, "normal") + load(parsed, workflow, label)
    if not any(r[0] == "normal" for r in runs) or not any(r[0] == label for r in runs):
        sys.exit(f"fault_signal: no normal or {label} runs of {workflow} under {parsed}")
    columns = [argv[5]] if len(argv) == 6 else COLUMNS
    typical = {}
    for c in columns:
        seen = defaultdict(list)
        for lab, _, jobs in runs:
            if lab == "normal":
                for j in jobs:
                    v = value(j, c)
                    if v is not None:
                        seen[transformation(j[""])].append(v)
        typical[c] = {t: statistics.median(v) for t, v in seen.items()}

    def ratio(job, c):
        v = value(job, c)
        m = typical[c].get(transformation(job[""]))
        return None if v is None or m is None else math.log((v + 1) / (m + 1))

    if len(argv) == 6:
        c = columns[0]
        start = lambda r: min((number(j["ready"]) or math.inf) for j in r[2])
        for lab, name, jobs in sorted(runs, key=start):
            v = [x for x in (ratio(j, c) for j in jobs) if x is not None]
            if v:
                print(f"{lab:8s} {name}  mean {statistics.mean(v):7.3f}  min {min(v):7.3f}  "
                      f"max {max(v):7.3f}")
            else:
                print(f"{lab:8s} {name}  no {c}")
        return
    print(f"{workflow}, {label}: mean (sd) of log((x + 1) / (transformation median + 1))")
    print(f"{'column':32s} {'anomalous jobs':>16s} {'their runs other':>18s} {'normal runs':>16s}")
    for c in columns:
        groups = defaultdict(list)
        for lab, _, jobs in runs:
            for j in jobs:
                x = ratio(j, c)
                if x is None:
                    continue
                g = "normal" if lab == "normal" else (
                    "anomalous" if j["anomaly_type"] not in ("None", "") else "other")
                groups[g].append(x)
        cells = []
        for g in ("anomalous", "other", "normal"):
            v = groups[g]
            cells.append(f"{statistics.mean(v):7.3f} ({statistics.pstdev(v):.2f})" if v else "-")
        print(f"{c:32s} {cells[0]:>16s} {cells[1]:>18s} {cells[2]:>16s}")


if __name__ == "__main__":
    main(sys.argv)
