#!/usr/bin/env bash
# Chunks/s and MB/s through the nats sink to a local nats-server (JetStream,
# file storage), for several max_in_flight values, against the file sink on
# the same input as the ceiling of the rest of the pipeline; without
# checkpoints, and at 16 (the default) with them (each keeps the unacknowledged chunks).
#
#   bench/nats_sink.sh [BUILD_DIR]          (default: build)
#   BENCH_RECORDS=500000 bench/nats_sink.sh records in the input (default 200000)
#   BENCH_CHUNK=1000 bench/nats_sink.sh     encoder.chunk_size (default 500)
#
# Starts its own server (scripts/lib/nats.sh) on 127.0.0.1, a fresh stream
# per run, best of 3 runs each. Printed, not asserted: the tests never time.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
records=${BENCH_RECORDS:-200000}
chunk=${BENCH_CHUNK:-500}
aton=$PWD/$build/bin/aton
source scripts/lib/postgres.sh  # aton_free_port
source scripts/lib/nats.sh
work=$(mktemp -d /tmp/aton-bench-nats.XXXXXX)
trap 'aton_nats_stop; rm -rf "$work"' EXIT

python3 - "$work/events.jsonl" "$records" <<'PY'
import json, random, sys
path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
kinds = ["click", "view", "purchase", "signup"]
with open(path, "w") as out:
    for i in range(n):
        out.write(json.dumps({"id": i, "user": "u%05d" % rng.randrange(20000), "kind": rng.choice(kinds),
                              "amount": round(rng.random() * 100, 2), "ok": rng.random() < 0.9}) + "\n")
PY
aton_nats_start >/dev/null

# best_of CONFIG: the best wall time of three runs, in seconds.
best_of() {
  local best=""
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    "$aton" run "$1" --progress=none >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    end=$(date +%s.%N)
    best=$(python3 -c "import sys; a=float(sys.argv[1]); b=sys.argv[2]; print(a if not b else min(a, float(b)))" \
      "$(python3 -c "print($end - $start)")" "$best")
  done
  echo "$best"
}

config() {  # config NAME SINK_JSON [CHECKPOINTS: true|false]
  cat >"$work/$1.json" <<JSON
{"source": {"plugin": "json", "path": "events.jsonl", "table": "events"},
 "encoder": {"chunk_size": $chunk}, "checkpoint": {"enabled": ${3:-false}},
 "sinks": [$2]}
JSON
  echo "$work/$1.json"
}

file_config=$(config file '{"plugin": "file", "path": "out.aton"}')
chunks=$("$aton" run "$file_config" 2>&1 | sed -n 's/.* records, \([0-9]*\) chunks.*/\1/p')
bytes=$(stat -c %s "$work/out.aton")
echo "| sink | max_in_flight | chunks/s | MB/s out | s (best of 3) |"
echo "| --- | --- | --- | --- | --- |"
row() {  # row LABEL IN_FLIGHT SECONDS
  python3 -c "import sys; c,b,s=int(sys.argv[1]),int(sys.argv[2]),float(sys.argv[5]); print(f'| {sys.argv[3]} | {sys.argv[4]} | {c/s:,.0f} | {b/s/1048576:.1f} | {s:.2f} |')" \
    "$chunks" "$bytes" "$1" "$2" "$3"
}
row "file (ceiling)" "-" "$(best_of "$file_config")"
for in_flight in 1 16 64 256; do
  sink='{"plugin": "nats", "url": "'$ATON_TEST_NATS_URL'", "subject": "bench.f'$in_flight'", "stream": "BENCH_F'$in_flight'", "max_in_flight": '$in_flight'}'
  row nats "$in_flight" "$(best_of "$(config "nats$in_flight" "$sink")")"
done
sink='{"plugin": "nats", "url": "'$ATON_TEST_NATS_URL'", "subject": "bench.cp", "stream": "BENCH_CP", "max_in_flight": 16}'
row "nats, checkpoints every 1 s" 16 "$(best_of "$(config natscp "$sink" true)")"
echo "($records records, chunk_size $chunk: $chunks chunks, $(python3 -c "print(f'{$bytes/1048576:.1f}')") MB of ATON; nats-server $(nats-server --version | sed 's/.* v//'), file storage)"
