#!/bin/sh
# Reproduces the graph-model tables of docs/results.md, 5 seeds each: per workflow gcn (DAG +
# same-host relation), gcndag (the DAG alone), gcnplain and gcnae on the context features, gcn
# --classes, gcn and gcndag on the rich features, gcn trained as briefly as gcndag, gnnrun and
# gnnrundag at run level; then every workflow trained together (--workflow all), and gcnae
# fitted on the normal runs only. gcn is an ensemble of five nets (session 9); the --classes,
# rich-feature and short-schedule lines keep --nets 1, the single net they were measured with.
# Usage: scripts/results-graph.sh [FLOWBENCH_ROOT] > out.txt
set -eu
root=${1:-../shared/data/flowbench}
bin=${WFAD_BIN:-build/wfad}
workflows=${WORKFLOWS:-"1000genome montage predict_future_sales somospie eht_imaging"}
for w in $workflows; do
	"$bin" eval "$root" -w "$w" -d gcn,gcndag,gcnplain,gcnae --features context --seeds 5
	"$bin" eval "$root" -w "$w" -d gcn --classes --features context --nets 1 --seeds 5 |
		tail -n 1
	"$bin" eval "$root" -w "$w" -d gcn,gcndag --features rich --nets 1 --seeds 5 | tail -n 2
	"$bin" eval "$root" -w "$w" -d gcn --features context --patience 10 --epochs 100 \
		--nets 1 --seeds 5 | tail -n 1
	"$bin" eval "$root" -w "$w" -d gnnrun,gnnrundag --task run --seeds 5
done
"$bin" eval "$root" -w all -d gcn,gcndag,mlp,gbdt --features context --seeds 5
"$bin" eval "$root" -w all -d gnnrun,gnnrundag,gbdt --task run --seeds 5
# gcnae fitted on the normal training runs only (one line per workflow)
for w in $workflows; do
	echo "$w"
	"$bin" eval "$root" -w "$w" -d gcnae --fit-on normal --seeds 5 | tail -n 1
done
