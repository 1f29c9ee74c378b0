"""Reference for bench/ingest: pandas.read_csv over the files listed in argv[1]; prints the
best wall time of argv[2] repeats (after one warm-up)."""
import sys
import time

import pandas as pd

files = [line.strip() for line in open(sys.argv[1]) if line.strip()]
repeats = int(sys.argv[2])
best = float("inf")
for rep in range(repeats + 1):
    t0 = time.perf_counter()
    frames = [pd.read_csv(f, index_col=0) for f in files]
    t = time.perf_counter() - t0
    if rep > 0:
        best = min(best, t)
print(best)
