#!/bin/sh
# Reproduces the tables of docs/results.md: every detector on each workflow with the run-split
# protocol (5 seeds), job level and run level. Usage: scripts/results.sh [FLOWBENCH_ROOT] > out.md
set -eu
root=${1:-../shared/data/flowbench}
bin=${WFAD_BIN:-build/wfad}
workflows=${WORKFLOWS:-"1000genome montage predict_future_sales somospie eht_imaging"}
for w in $workflows; do
	echo "### $w"
	echo
	echo '```'
	"$bin" eval "$root" -w "$w" -d zscore,zscore_max,hostz --seeds 5
	"$bin" eval "$root" -w "$w" -d hbos,iforest,knn,lof,ae,mlp,gbdt --features rich --seeds 5 | tail -n +2
	"$bin" eval "$root" -w "$w" -d hbos,iforest,knn,lof,ae,mlp,gbdt,gcn,gcnae --features context --seeds 5
	"$bin" eval "$root" -w "$w" -d gnnrun,ganttcnn,gbdt --task run --seeds 5
	echo '```'
	echo
done
