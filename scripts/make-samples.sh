#!/bin/sh
# Rebuilds the small Flow-Bench samples shipped in the repository from ../shared/data
# (Flow-Bench, CC BY 4.0). Deterministic: fixed run lists, zip without timestamps (-X, -D).
set -eu
SHARED=$(cd "${1:-../shared/data/flowbench}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# data/flowbench-sample: 40 runs of 1000genome (8 per label) in the current layout.
out="$root/data/flowbench-sample"
mkdir -p "$out/data" "$out/adjacency_list_dags" "$tmp/1000genome"
cp "$SHARED/adjacency_list_dags/1000genome.json" "$out/adjacency_list_dags/"
for label in normal cpu_2 cpu_3 hdd_5 hdd_10; do
	ls "$SHARED/parsed/$label" | grep '^1000-genome' | sort | head -8 | while read -r f; do
		cp "$SHARED/parsed/$label/$f" "$tmp/1000genome/"
	done
done
rm -f "$out/data/1000genome.zip"
(cd "$tmp/1000genome" && touch -d 2024-01-01T00:00:00Z ./*.csv && zip -q -X -D "$out/data/1000genome.zip" $(ls | sort))

# tests/data/flowbench-mini: both layouts in one root. eht_imaging runs in parsed/<label>/
# (2 per label), somospie runs in data/somospie.zip (5 runs).
mini="$root/tests/data/flowbench-mini"
rm -rf "$mini"
mkdir -p "$mini/adjacency_list_dags" "$mini/data" "$tmp/eht" "$tmp/somospie"
cp "$SHARED/adjacency_list_dags/eht_imaging.json" "$SHARED/adjacency_list_dags/somospie.json" \
	"$mini/adjacency_list_dags/"
(cd "$tmp/eht" && unzip -q "$SHARED/data/eht_imaging.zip")
for f in $(ls "$tmp/eht" | sort); do
	label=$(cut -d, -f2 "$tmp/eht/$f" | grep -v -e '^None$' -e '^anomaly_type$' | sort -u | head -1)
	[ -n "$label" ] || label=normal
	mkdir -p "$mini/parsed/$label"
	if [ "$(ls "$mini/parsed/$label" | wc -l)" -lt 2 ]; then
		cp "$tmp/eht/$f" "$mini/parsed/$label/"
	fi
done
(cd "$tmp/somospie" && unzip -q "$SHARED/data/somospie.zip" somospie-run0001.csv \
	somospie-run0002.csv somospie-run0003.csv somospie-run0150.csv somospie-run0300.csv &&
	touch -d 2024-01-01T00:00:00Z ./*.csv && zip -q -X -D "$mini/data/somospie.zip" $(ls | sort))
echo "samples written"
