#!/usr/bin/env python3
"""How often a run-level model's explanation points at the fault (docs/gnn.md, "Explanations").

Reads the CSV of `wfad score --model RUN_MODEL ... --format csv` and the Flow-Bench run CSVs
(their anomaly_type column marks the jobs of the faulty host). For every anomalous run that
the model also calls anomalous and was not fitted on (in_training 0: train the model with
`wfad train --task run --holdout FRAC`, or on other runs), it checks whether the top job of
the explanation (job1) is one of the run's anomalous jobs, and whether its host (host1) is a
host with anomalous jobs; and prints both rates next to what picking a job of the run at
random would give.

usage: scripts/explain_check.py PARSED_DIR SCORES_CSV
  PARSED_DIR: Flow-Bench's parsed/ folder (one sub-folder per run label, run CSVs inside)
"""
import csv
import glob
import os
import sys


def run_jobs(parsed, run_id):
    """{job id: (anomalous, host)} of a run, from its CSV under any label folder."""
    paths = glob.glob(os.path.join(parsed, "*", run_id + ".csv"))
    if not paths:
        return None
    with open(paths[0], newline="") as f:
        rows = list(csv.DictReader(f))
    key = "" if "" in rows[0] else next(iter(rows[0]))
    return {r[key]: (r["anomaly_type"] not in ("None", "", "normal"), r["kickstart_hostname"])
            for r in rows}


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    parsed, scores = argv[1], argv[2]
    runs = job_hits = host_hits = left_out = 0
    chance_job = chance_host = 0.0
    with open(scores, newline="") as f:
        for row in csv.DictReader(f):
            if row["run_label"] == "normal":
                continue
            if row["in_training"] == "1":
                left_out += 1
                continue
            if row["verdict"] == "normal" or not row["job1"]:
                continue
            jobs = run_jobs(parsed, row["run_id"])
            if not jobs:
                continue
            bad_hosts = {h for bad, h in jobs.values() if bad}
            n_bad = sum(bad for bad, _ in jobs.values())
            runs += 1
            job_hits += jobs.get(row["job1"], (False, ""))[0]
            host_hits += row["host1"] in bad_hosts
            chance_job += n_bad / len(jobs)
            chance_host += sum(h in bad_hosts for _, h in jobs.values()) / len(jobs)
    if not runs:
        sys.exit("explain_check: no anomalous run called anomalous")
    print(f"{runs} anomalous runs called anomalous ({left_out} anomalous training runs left "
          f"out)")
    print(f"top job is an anomalous job: {job_hits / runs:.3f} (a random job: "
          f"{chance_job / runs:.3f})")
    print(f"top job ran on a faulty host: {host_hits / runs:.3f} (a random job: "
          f"{chance_host / runs:.3f})")


if __name__ == "__main__":
    main(sys.argv)
