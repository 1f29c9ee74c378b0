#!/bin/sh
# Reproduces the graph-model tables of docs/results.md: gcn, gcnplain and gcnae (context
# features) per workflow, gnnrun at run level, and every workflow trained together
# (--workflow all), 5 seeds each. Usage: scripts/results-graph.sh [FLOWBENCH_ROOT] > out.txt
set -eu
root=${1:-../shared/data/flowbench}
bin=${WFAD_BIN:-build/wfad}
workflows=${WORKFLOWS:-"1000genome montage predict_future_sales somospie eht_imaging"}
for w in $workflows; do
	"$bin" eval "$root" -w "$w" -d gcn,gcnplain,gcnae --features context --seeds 5
	"$bin" eval "$root" -w "$w" -d gcn --classes --features context --seeds 5 | tail -n 1
	"$bin" eval "$root" -w "$w" -d gnnrun --task run --seeds 5
	"$bin" eval "$root" -w "$w" -d gcnhost --features context --seeds 5 | tail -n 1
	"$bin" eval "$root" -w "$w" -d gcnhost,gcn --features rich --seeds 5 | tail -n 2
	"$bin" eval "$root" -w "$w" -d gcnhost --features context --patience 10 --epochs 100 \
		--seeds 5 | tail -n 1
	"$bin" eval "$root" -w "$w" -d gnnrunhost --task run --seeds 5
done
"$bin" eval "$root" -w all -d gcn,mlp,gbdt --features context --seeds 5
"$bin" eval "$root" -w all -d gcnhost --features context --seeds 5
"$bin" eval "$root" -w all -d gnnrun,gbdt --task run --seeds 5
"$bin" eval "$root" -w all -d gnnrunhost --task run --seeds 5
