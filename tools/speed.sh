#!/usr/bin/env bash
# Side-by-side speed of pacesim and crm_simulate 2.1.5 on the corpus:
#  1. one process per CIB (`-x FILE -S`), every CIB of the directory;
#  2. the whole directory in one process (`pacesim simulate -P DIR` against
#     `crm_simulate -P DIR -N 1`).
# usage: tools/speed.sh [DIR]   (default ../shared/pacemaker/scheduler/xml)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-../shared/pacemaker/scheduler/xml}
cargo build --release -q
bin=target/release/pacesim
files=("$dir"/*.xml)
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); awk "BEGIN{print $e - $s}"; }
per_file() { local s e f; s=$(date +%s.%N); for f in "${files[@]}"; do "$@" -x "$f" -S >/dev/null 2>&1 || true; done; e=$(date +%s.%N); awk "BEGIN{print $e - $s}"; }
ours=$(per_file "$bin" simulate)
theirs=$(per_file crm_simulate)
printf 'one process per CIB (%d CIBs): pacesim %.2fs  crm_simulate %.2fs  ratio %.3f\n' "${#files[@]}" "$ours" "$theirs" "$(awk "BEGIN{print $ours / $theirs}")"
ours=$(t "$bin" simulate -P "$dir")
theirs=$(t crm_simulate -P "$dir" -N 1)
printf 'whole directory in one process: pacesim %.2fs  crm_simulate %.2fs  ratio %.3f\n' "$ours" "$theirs" "$(awk "BEGIN{print $ours / $theirs}")"
