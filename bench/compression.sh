#!/usr/bin/env bash
# What gzip and zstd cost beside plain files: `aton run` reading the events
# set as JSON Lines and as CSV, plain, gzip -6 and zstd -3 (json and csv
# sources -> file sink), and writing the file sink's output plain, gzip and
# zstd (from the plain JSON Lines), with the ratio of each time (wall clock
# and CPU, user + system) to the plain run's, the sizes, and the peak RSS.
#
#   bench/compression.sh [BUILD_DIR]      (default: build)
#   BENCH_MB=128 bench/compression.sh     input size in MB (default 64)
#   BENCH_ROUNDS=5 bench/compression.sh   best of N, round-robin (default 3)
#
# Inputs come from bench/gen_data.py (seeded) into the git-ignored
# bench/data/, compressed there once with the gzip and zstd CLIs. `count:
# false` on the plain runs too, since a compressed file is never counted
# first. Printed, not asserted: the tests never time or measure.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mb=${BENCH_MB:-64}
rounds=${BENCH_ROUNDS:-3}
aton=$build/bin/aton
[ -x "$aton" ] || { echo "bench/compression.sh: no $aton: build first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/compression.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
command -v zstd >/dev/null || { echo "bench/compression.sh: needs the zstd CLI (apt-get install zstd)" >&2; exit 1; }

data=bench/data
stem=$data/events-${mb}MB
mkdir -p "$data" bench/out
[ -f "$stem.jsonl" ] || python3 bench/gen_data.py events "$mb" "$data" --formats jsonl,csv >/dev/null
for f in "$stem.jsonl" "$stem.csv"; do
  [ -f "$f.gz" ] || gzip -6 -k -c "$f" > "$f.gz"
  [ -f "$f.zst" ] || zstd -3 -q -c "$f" > "$f.zst"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# config NAME SOURCE SINK: a pipeline config in the work folder.
config() {
  cat > "$work/$1.json" <<EOF
{"source": $2, "encoder": {"chunk_size": 1000}, "queue": {"capacity": 4},
 "checkpoint": {"enabled": false}, "sinks": [$3]}
EOF
}
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
plain_out='{"plugin": "file", "path": "out.aton"}'
names=()
for kind in jsonl csv; do
  plugin=json; [ "$kind" = csv ] && plugin=csv
  for z in "" .gz .zst; do
    name="in-$kind${z:-.plain}"
    config "$name" "{\"plugin\": \"$plugin\", \"count\": false, \"path\": \"$(abs "$stem.$kind$z")\"}" "$plain_out"
    names+=("$name")
  done
done
for z in none gzip zstd; do
  name="out-$z"
  config "$name" "{\"plugin\": \"json\", \"count\": false, \"path\": \"$(abs "$stem.jsonl")\"}" \
    "{\"plugin\": \"file\", \"path\": \"out-$z.aton\", \"compress\": \"$z\"}"
  names+=("$name")
done

declare -A best rss cpu
for _ in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    start=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o "$work/$name.rss" "$aton" run "$work/$name.json" --progress none --quiet
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    read -r kb user sys < "$work/$name.rss"
    if [ -z "${best[$name]:-}" ] || [ "$(echo "$secs < ${best[$name]}" | bc)" = 1 ]; then best[$name]=$secs; fi
    busy=$(echo "$user + $sys" | bc)
    if [ -z "${cpu[$name]:-}" ] || [ "$(echo "$busy < ${cpu[$name]}" | bc)" = 1 ]; then cpu[$name]=$busy; fi
    rss[$name]=$(( kb / 1024 ))
  done
done

size() { stat -c %s "$1"; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
echo
echo "#### Compression: events, ${mb} MB of JSON, best of $rounds ($(date -u +%F), $(nproc) cores)"
echo
echo "| run | input MB | output MB | seconds | x plain | CPU seconds | x plain | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|"
for kind in jsonl csv; do
  for z in "" .gz .zst; do
    name="in-$kind${z:-.plain}"
    in=$(size "$stem.$kind$z")
    printf '| read %s%s | %.1f | %.1f | %.2f | %s | %.2f | %s | %s |\n' "$kind" "${z:- (plain)}" \
      "$(echo "$in / 1048576" | bc -l)" "$(echo "$(size "$work/out.aton") / 1048576" | bc -l)" "${best[$name]}" \
      "$(ratio "${best[$name]}" "${best[in-$kind.plain]}")" "${cpu[$name]}" \
      "$(ratio "${cpu[$name]}" "${cpu[in-$kind.plain]}")" "${rss[$name]}"
  done
done
for z in none gzip zstd; do
  name="out-$z"
  printf '| write %s | %.1f | %.1f | %.2f | %s | %.2f | %s | %s |\n' "$z" \
    "$(echo "$(size "$stem.jsonl") / 1048576" | bc -l)" "$(echo "$(size "$work/out-$z.aton") / 1048576" | bc -l)" \
    "${best[$name]}" "$(ratio "${best[$name]}" "${best[out-none]}")" "${cpu[$name]}" \
    "$(ratio "${cpu[$name]}" "${cpu[out-none]}")" "${rss[$name]}"
done
# The same ATON compressed whole by the CLIs, for the cost of a member a chunk.
echo
printf 'whole-file compression of the same ATON: gzip -6 %.1f MB, zstd -3 %.1f MB\n' \
  "$(echo "$(gzip -6 -c "$work/out-none.aton" | wc -c) / 1048576" | bc -l)" \
  "$(echo "$(zstd -3 -q -c "$work/out-none.aton" | wc -c) / 1048576" | bc -l)"
