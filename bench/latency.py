#!/usr/bin/env python3
"""Latency of records through `aton run` (issue 13, item 5).

A writer puts records into a FIFO at a fixed rate; `aton run` reads the
FIFO and writes ATON to its stdout, which this program reads as it
arrives. Each record carries the time it was written, so the time until
the chunk holding it reaches the sink is measured per record: p50, p99 and
the maximum, for each rate. Then the same build and, with --baseline,
another one, encode a regular file at full speed, to show that file runs
keep their throughput (no flush interval applies to a file).

    bench/latency.py --aton build/bin/aton --rates 10,1000,100000 --seconds 5
    bench/latency.py --baseline /path/to/main/build/bin/aton --file-records 2000000

--source test_uneven (the default) reads the FIFO with the test plugin in
build/tests/plugins, which hands on every record as soon as its line has
arrived; --source json reads it with the json source (JSON Lines), whose
reads must not wait for a full block for the figures to mean anything.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


def config(source, path, plugin_dir, chunk_size, flush_interval):
    src = {"plugin": source, "path": path}
    encoder = {"chunk_size": chunk_size}
    if flush_interval is not None:
        encoder["flush_interval"] = flush_interval
    return {"source": src, "encoder": encoder, "checkpoint": {"enabled": False},
            "plugin_dirs": [plugin_dir], "sinks": [{"plugin": "stdout"}]}


def writer(fifo, rate, seconds, sent):
    """Writes `rate` records a second for `seconds`, each with its time."""
    with open(fifo, "wb", buffering=0) as out:
        time.sleep(0.5)  # aton opened the FIFO; let it finish starting, which is not latency
        start = time.monotonic()
        written = 0
        total = int(rate * seconds)
        while written < total:
            now = time.monotonic()
            due = min(total, int((now - start) * rate) + 1)
            if due > written:
                stamp = time.monotonic_ns()
                # +k ns keeps every value distinct (no @defaults): far below what is measured
                out.write(b"".join(b'{"seq":%d,"t":%d}\n' % (i, stamp + i - written) for i in range(written, due)))
                written = due
            else:
                time.sleep(min(0.001, (written + 1) / rate - (now - start)))
        sent.append(written)


def measure(args, rate):
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "in.fifo")
        os.mkfifo(fifo)
        cfg = os.path.join(tmp, "pipeline.json")
        with open(cfg, "w") as f:
            json.dump(config(args.source, fifo, args.plugin_dir, args.chunk_size, args.flush_interval), f)
        run = subprocess.Popen([args.aton, "run", cfg, "--progress=none"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        sent = []
        thread = threading.Thread(target=writer, args=(fifo, rate, args.seconds, sent))
        thread.start()
        latencies = []
        # The stdout sink writes each chunk with one write() and puts the
        # newline between chunks before the next one, so a chunk's last row
        # has no newline until then: read what each write() brought, and
        # count its last line as whole (a pipe keeps writes up to 64 KiB whole).
        fd = run.stdout.fileno()
        while True:
            data = os.read(fd, 1 << 20)
            if not data:
                break
            now = time.monotonic_ns()
            for text in data.split(b"\n"):
                text = text.strip()
                # Rows are "seq, t"; header and table lines start with @ or a letter.
                if not text[:1].isdigit():
                    continue
                parts = text.split(b",")
                if len(parts) == 2:
                    latencies.append((now - int(parts[1])) / 1e6)
        thread.join()
        err = run.stderr.read().decode(errors="replace")
        if run.wait() != 0:
            sys.exit("aton run failed: " + err)
        if len(latencies) != sent[0]:
            sys.exit("%d records sent, %d read back" % (sent[0], len(latencies)))
        return latencies


def throughput(aton, plugin_dir, records, repeats):
    """Records a second for a regular JSON Lines file to a file, best of `repeats`."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "in.jsonl")
        with open(data, "w") as f:
            for i in range(records):
                f.write('{"id":%d,"name":"user %d","group":"g%d","score":%d.5,"active":%s}\n'
                        % (i, i, i % 7, i, "true" if i % 2 else "false"))
        cfg = os.path.join(tmp, "pipeline.json")
        with open(cfg, "w") as f:
            json.dump({"source": {"plugin": "json", "path": data}, "encoder": {"chunk_size": 1000},
                       "checkpoint": {"enabled": False},
                       "sinks": [{"plugin": "file", "path": os.path.join(tmp, "out.aton")}]}, f)
        best = 0.0
        for _ in range(repeats):
            start = time.monotonic()
            subprocess.run([aton, "run", cfg, "--progress=none"], check=True)
            best = max(best, records / (time.monotonic() - start))
        return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aton", default=os.path.join(ROOT, "build/bin/aton"))
    parser.add_argument("--plugin-dir", default=os.path.join(ROOT, "build/tests/plugins"))
    parser.add_argument("--source", default="test_uneven", choices=["test_uneven", "json"])
    parser.add_argument("--rates", default="10,1000,100000")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--flush-interval", type=int, default=None,
                        help="ms; default: the pipeline's own (1000 for a FIFO)")
    parser.add_argument("--file-records", type=int, default=1000000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", help="another aton binary to compare file throughput with")
    args = parser.parse_args()

    interval = args.flush_interval if args.flush_interval is not None else 1000
    print("latency: source %s, chunk_size %d, flush interval %d ms, %g s per rate"
          % (args.source, args.chunk_size, interval, args.seconds))
    for rate in [int(r) for r in args.rates.split(",")]:
        lat = measure(args, rate)
        p50, p99 = percentile(lat, 50), percentile(lat, 99)
        verdict = "ok" if p99 <= interval + 5 else "OVER"
        print("  %7d records/s: %7d records  p50 %8.1f ms  p99 %8.1f ms  max %8.1f ms  (p99 <= %d + 5 ms: %s)"
              % (rate, len(lat), p50, p99, max(lat), interval, verdict))
    if args.file_records > 0:
        ours = throughput(args.aton, args.plugin_dir, args.file_records, args.repeats)
        print("file: %d records, best of %d: %.0f records/s (%s)" % (args.file_records, args.repeats, ours, args.aton))
        if args.baseline:
            base = throughput(args.baseline, args.plugin_dir, args.file_records, args.repeats)
            print("file: %d records, best of %d: %.0f records/s (%s): this build is %+.1f%%"
                  % (args.file_records, args.repeats, base, args.baseline, 100.0 * (ours - base) / base))


if __name__ == "__main__":
    main()
