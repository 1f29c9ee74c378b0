#!/usr/bin/python3
"""The job-level supervised peer of ../shared/BASELINES.md on wfad's own splits, paired.

BASELINES.md's job-level figures come from scikit-learn's splitter, so they are not on the
test jobs wfad scores (docs/results.md, "Protocol"). This reads the file written by
`wfad eval PATH -w W -d D[,D...] --predictions FILE` (job level), fits the peer
(HistGradientBoostingClassifier, default settings, random_state 0, on the peers' F2
features: the six delays and the hop depth from the roots, log1p of the stage bytes, the CPU
time and the nine kickstart online counters, missing indicators, the job type one-hot, and
the runtime over its transformation's median training runtime; missing values 0) on each
seed's training jobs, scores the same test jobs, and prints per seed the ROC-AUC of the peer
and of each wfad detector, then the means and the paired differences (detector - peer) with
the seeds each won, tied, lost.

usage: scripts/joblevel_peer.py PREDICTIONS.csv FLOWBENCH_DIR
  FLOWBENCH_DIR: the Flow-Bench folder wfad evaluated (parsed/<label>/ or data/*.zip for the
  run CSVs, adjacency_list_dags/<workflow>.json for the DAG)
  e.g. build/wfad eval ../shared/data/flowbench -w montage -d gcn,gbdt --predictions /tmp/j.csv
       scripts/joblevel_peer.py /tmp/j.csv ../shared/data/flowbench
"""
import json
import os
import sys
from collections import defaultdict

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_signal import transformation  # noqa: E402
from runlevel_peer import RunFiles, report  # noqa: E402

DELAYS = ["wms_delay", "queue_delay", "runtime", "post_script_delay", "stage_in_delay",
          "stage_out_delay"]
LOGGED = ["stage_in_bytes", "stage_out_bytes", "kickstart_executables_cpu_time"] + [
    "kickstart_online_" + c for c in
    ["iowait", "bytes_read", "bytes_written", "read_system_calls", "write_system_calls",
     "utime", "stime", "bytes_read_per_second", "bytes_written_per_second"]]
TYPES = ["auxiliary", "compute", "transfer"]


def depths(dag_path):
    """Hops on the longest path from a root, per node of the DAG JSON (node -> children)."""
    with open(dag_path) as f:
        children = json.load(f)
    parents = defaultdict(list)
    for u, vs in children.items():
        for v in vs:
            parents[v].append(u)
    depth = {}

    def of(u):
        if u not in depth:
            stack = [u]
            while stack:
                x = stack[-1]
                todo = [p for p in parents[x] if p not in depth]
                if todo:
                    stack.extend(todo)
                    continue
                stack.pop()
                depth[x] = 1 + max((depth[p] for p in parents[x]), default=-1)
        return depth[u]

    return {u: of(u) for u in children}


def run_frame(files, label, run, depth):
    with files.open(label, run) as f:
        d = pd.read_csv(f)
    d = d.rename(columns={d.columns[0]: "job"})
    out = pd.DataFrame({"job": d["job"], "run": run})
    for c in DELAYS:
        out[c] = pd.to_numeric(d.get(c), errors="coerce")
    for c in LOGGED:
        v = pd.to_numeric(d[c], errors="coerce") if c in d else pd.Series(np.nan, index=d.index)
        out["log_" + c] = np.log1p(v.clip(lower=0))
    for c in DELAYS + ["log_" + c for c in LOGGED]:
        out["missing_" + c] = out[c].isna().astype(float)
    out["depth"] = d["job"].map(depth).fillna(0)
    for t in TYPES:
        out["type_" + t] = (d.get("type") == t).astype(float)
    out["transformation"] = d["job"].map(transformation)
    out["y"] = (d["anomaly_type"].astype(str) != "None").astype(int)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[-1].strip())
    pred_path, root = sys.argv[1], sys.argv[2]
    files = RunFiles(root)
    p = pd.read_csv(pred_path, dtype={"job": str, "detector": str})
    if "job" not in p:
        sys.exit(f"{pred_path}: not a job-level file (wfad eval without --task run)")
    split = p[p["detector"].isna()]
    scored = p[p["detector"].notna()]
    workflows = split["workflow"].unique()
    frames = {}
    for w in workflows:
        depth = depths(os.path.join(root, "adjacency_list_dags", w + ".json"))
        for run, label in split[split["workflow"] == w][["run", "label"]].drop_duplicates().values:
            frames[run] = run_frame(files, label, run, depth)
    detectors = sorted(scored["detector"].unique())
    auc = defaultdict(list)
    print("seed  test jobs  peer  " + "  ".join(detectors))
    for seed in sorted(split["seed"].unique()):
        s = split[split["seed"] == seed]
        train = pd.concat([frames[r] for r in s[s["part"] == "train"]["run"]])
        test = pd.concat([frames[r] for r in s[s["part"] == "test"]["run"]])
        med = train.groupby("transformation")["runtime"].median()
        for d in (train, test):
            d["runtime_rel"] = d["runtime"] / d["transformation"].map(med).clip(lower=0.1)
        cols = [c for c in train.columns if c not in ("job", "run", "transformation", "y")]
        peer = HistGradientBoostingClassifier(random_state=0).fit(train[cols].fillna(0),
                                                                  train["y"])
        test = test.assign(peer=peer.predict_proba(test[cols].fillna(0))[:, 1])
        auc["peer"].append(roc_auc_score(test["y"], test["peer"]))
        for det in detectors:
            mine = scored[(scored["seed"] == seed) & (scored["detector"] == det)]
            m = test.merge(mine[["run", "job", "score", "job_label"]], on=["run", "job"],
                           how="inner", validate="one_to_one")
            if len(m) != len(test) or (m["job_label"] != m["y"]).any():
                sys.exit(f"{pred_path}: seed {seed}, {det}: the test jobs or their labels "
                         f"differ from the run CSVs under {root}")
            auc[det].append(roc_auc_score(m["y"], m["score"]))
        print(f"{seed:4d} {len(test):10d} {auc['peer'][-1]:.4f}  " +
              "  ".join(f"{auc[d][-1]:.4f}" for d in detectors))
    report(auc, detectors, 4)

if __name__ == "__main__":
    main()
