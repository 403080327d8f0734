#!/usr/bin/env bash
# Peak memory of a pipeline run on a large input with a slow consumer.
#
#   bench/pipeline_rss.sh [BUILD_DIR]      (default: build)
#   BENCH_MB=1024 bench/pipeline_rss.sh    input size in MB (default 1024)
#
# Generates bench/data/records-<MB>MB.json (an array of records, git-ignored)
# once, then runs `aton run` with the json source and the stdout sink into a
# reader that consumes slowly, under /usr/bin/time -v, and prints the peak
# RSS. The claim: peak RSS stays at or below 64 MB whatever the input size,
# because the queues are bounded (queue.capacity x chunk_size records).
# Printed, not asserted: the tests never time or measure.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mb=${BENCH_MB:-1024}
data=bench/data/records-${mb}MB.json
mkdir -p bench/data bench/out

if [ ! -f "$data" ]; then
  echo "==> generating $data (${mb} MB)"
  python3 - "$data" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
limit = mb * 1024 * 1024
groups = ["engineering", "sales", "marketing", "support", "finance"]
with open(path, "w") as out:
    out.write("[")
    written, i = 1, 0
    block = []
    while written < limit:
        rec = ('{"id":%d,"name":"Employee %d","email":"employee%d@example.com","department":"%s",'
               '"salary":%d.%02d,"active":%s,"tags":["t%d","t%d"]}'
               % (i, i, i, groups[i % 5], 40000 + i % 50000, i % 100,
                  "true" if i % 3 else "false", i % 11, i % 7))
        if i:
            rec = "," + rec
        block.append(rec)
        written += len(rec)
        i += 1
        if len(block) == 10000:
            out.write("".join(block)); block = []
    out.write("".join(block))
    out.write("]")
print(f"{i} records")
PY
fi

config=bench/out/pipeline_rss.json
cat > "$config" <<JSON
{"source": {"plugin": "json", "path": "../../$data"},
 "encoder": {"chunk_size": 1000, "compression": "balanced"},
 "queue": {"capacity": 4},
 "sinks": [{"plugin": "stdout"}]}
JSON

# The slow consumer: reads 64 KB, then pauses 4 ms (at most ~16 MB/s, slower
# than the pipeline produces, so the queues stay full).
slow_reader='import sys,time
n=0
while True:
    b=sys.stdin.buffer.read(65536)
    if not b: break
    n+=len(b); time.sleep(0.004)
print(f"consumer read {n/1e6:.1f} MB", file=sys.stderr)'

echo "==> $build/bin/aton run $config --progress=none | slow reader"
/usr/bin/time -v -o bench/out/time.txt "$build/bin/aton" run "$config" --progress=none | python3 -c "$slow_reader"
grep -E "Maximum resident set size|Elapsed \(wall clock\)" bench/out/time.txt
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' bench/out/time.txt)
echo "peak RSS: $((rss_kb / 1024)) MB for a ${mb} MB input (target: <= 64 MB)"
