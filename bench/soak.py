#!/usr/bin/env python3
"""A long run through a followed file (issue 13, item 6).

A writer appends JSON Lines to a file at a fixed rate (50,000 records a
second by default) and rotates it every --rotate-records records (renamed
away, a new one made: what logrotate does), deleting the file before the
previous one, so the disk holds at most two. `aton run` follows the file
(json source, `follow: true`) and writes ATON to its stdout (the stdout
sink), which this program reads as it arrives, keeping only the sequence
numbers it saw. Every second it samples aton's resident memory
(/proc/PID/status VmRSS) and the checkpoint's size.

At the end it sends SIGTERM and measures how long aton takes to exit, then
runs `aton run --resume` while the writer appends a few more seconds'
worth, stops that one too, and checks that the two runs' outputs hold
every record written, in order, none missing (a chunk in flight at the
signal may come twice: the stdout sink cannot take back what it wrote).

    bench/soak.py --aton build/bin/aton --seconds 600 --rate 50000
    bench/soak.py --seconds 60          (a quick look)

Prints: records written and delivered, RSS after the warm-up (min, max,
spread), checkpoint size (min, max), the time from SIGTERM to exit, and
the resume check. Exit status 1 when a check fails (memory spread beyond
--rss-spread-mb, a growing checkpoint, an exit slower than 1 s, a record
missing), so it can run unattended.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHUNK_HEADER = re.compile(rb"^[A-Za-z_][A-Za-z0-9_]*\+?\((\d+)\):$")


class Writer(threading.Thread):
    """Appends `rate` records a second to `path`, rotating it."""

    def __init__(self, path, rate, rotate_records):
        super().__init__(daemon=True)
        self.path, self.rate, self.rotate_records = path, rate, rotate_records
        self.written = 0
        self.stop = threading.Event()
        self.pause = threading.Event()  # set: write nothing (between the runs)

    def rotate(self):
        old = self.path + ".1"
        if os.path.exists(old):
            os.unlink(old)
        os.rename(self.path, old)
        return open(self.path, "ab", buffering=0)

    def run(self):
        out = open(self.path, "ab", buffering=0)
        start, base = time.monotonic(), 0
        in_file = 0
        while not self.stop.is_set():
            if self.pause.is_set():
                time.sleep(0.01)
                start, base = time.monotonic(), self.written
                continue
            due = base + int((time.monotonic() - start) * self.rate)
            if due <= self.written:
                time.sleep(0.002)
                continue
            due = min(due, self.written + self.rate // 20)  # at most 50 ms of records per write
            if in_file + (due - self.written) > self.rotate_records:
                due = self.written + (self.rotate_records - in_file)
            out.write(b"".join(b'{"seq":%d,"user":"u%d","amount":%d.%02d,"ok":%s}\n'
                               % (i, i % 997, i % 1000, i % 100, b"true" if i % 3 else b"false")
                               for i in range(self.written, due)))
            in_file += due - self.written
            self.written = due
            if in_file >= self.rotate_records:
                out.close()
                out = self.rotate()
                in_file = 0
        out.close()


class Reader(threading.Thread):
    """Reads aton's stdout: the seq of every row, in order."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.seqs = []
        self.chunks = 0

    def run(self):
        for line in self.stream:
            line = line.rstrip(b"\n")
            if CHUNK_HEADER.match(line):
                self.chunks += 1
            elif line and not line.startswith(b"@"):
                self.seqs.append(int(line.split(b",", 1)[0]))


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def start_run(aton, config, resume):
    args = [aton, "run", config, "--progress=none"] + (["--resume"] if resume else [])
    run = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = Reader(run.stdout)
    reader.start()
    return run, reader


def stop_run(run, reader):
    """SIGTERM; seconds until aton exits, its exit status, its stderr."""
    sent = time.monotonic()
    run.send_signal(signal.SIGTERM)
    try:
        status = run.wait(timeout=30)
    except subprocess.TimeoutExpired:
        run.kill()
        status = run.wait()
    took = time.monotonic() - sent
    reader.join(timeout=30)
    return took, status, run.stderr.read().decode(errors="replace")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--aton", default=os.path.join(ROOT, "build", "bin", "aton"))
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--rate", type=int, default=50000)
    p.add_argument("--warmup", type=float, default=60, help="seconds before RSS counts (default 60)")
    p.add_argument("--chunk-size", type=int, default=1000)
    p.add_argument("--rotate-records", type=int, default=2_000_000)
    p.add_argument("--rss-spread-mb", type=float, default=10, help="the most RSS may move after the warm-up (±5 MB)")
    args = p.parse_args()

    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "events.jsonl")
        open(path, "wb").close()
        config = os.path.join(tmp, "pipeline.json")
        with open(config, "w") as f:
            json.dump({"source": {"plugin": "json", "path": path, "follow": True, "table": "events"},
                       "encoder": {"chunk_size": args.chunk_size, "flush_interval": 200},
                       "checkpoint": {"interval": 1},
                       "sinks": [{"plugin": "stdout"}]}, f)
        checkpoint = config + ".checkpoint"
        writer = Writer(path, args.rate, args.rotate_records)
        writer.start()
        run, reader = start_run(args.aton, config, resume=False)
        started = time.monotonic()
        samples = []  # (seconds, rss kB, checkpoint bytes, written, delivered)
        while time.monotonic() - started < args.seconds and run.poll() is None:
            time.sleep(1)
            size = os.path.getsize(checkpoint) if os.path.exists(checkpoint) else 0
            samples.append((time.monotonic() - started, rss_kb(run.pid), size, writer.written, len(reader.seqs)))
            if len(samples) % 60 == 0:
                s = samples[-1]
                print("%5.0f s: RSS %6.1f MB, checkpoint %d B, written %d, delivered %d"
                      % (s[0], (s[1] or 0) / 1024, s[2], s[3], s[4]), flush=True)
        if run.poll() is not None:
            print("aton ended by itself (status %s): %s" % (run.returncode, run.stderr.read().decode()[-2000:]))
            return 1
        writer.pause.set()
        took, status, err = stop_run(run, reader)
        first = reader.seqs
        written_then = writer.written

        after = [s for s in samples if s[0] >= args.warmup and s[1]]
        rss = [s[1] / 1024 for s in after]
        sizes = [s[2] for s in after if s[2]]
        seconds = samples[-1][0] if samples else 0
        print("ran %.0f s at %d records/s: %d written, %d delivered in %d chunks (%.0f records/s)"
              % (seconds, args.rate, written_then, len(first), reader.chunks, len(first) / max(seconds, 1e-9)))
        if rss:
            spread = max(rss) - min(rss)
            print("RSS after %.0f s of warm-up: %.1f to %.1f MB (spread %.1f MB, %d samples)"
                  % (args.warmup, min(rss), max(rss), spread, len(rss)))
            if spread > args.rss_spread_mb:
                failures.append("RSS moved %.1f MB" % spread)
        if sizes:
            print("checkpoint: %d to %d bytes" % (min(sizes), max(sizes)))
            if max(sizes) > min(sizes) + 256:
                failures.append("the checkpoint grew from %d to %d bytes" % (min(sizes), max(sizes)))
        print("SIGTERM to exit: %.3f s, status %d" % (took, status))
        if took > 1.0:
            failures.append("aton took %.3f s to stop" % took)
        if not os.path.exists(checkpoint):
            failures.append("no checkpoint after SIGTERM: " + err[-500:])

        # The resumed run goes on from the checkpoint while more records come.
        writer.pause.clear()
        run, reader = start_run(args.aton, config, resume=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and run.poll() is None and writer.written < written_then + args.rate * 3:
            time.sleep(0.1)
        writer.pause.set()
        target = writer.written
        while time.monotonic() < deadline and run.poll() is None and (not reader.seqs or reader.seqs[-1] < target - 1):
            time.sleep(0.05)
        took2, status2, err2 = stop_run(run, reader)
        writer.stop.set()
        writer.join()
        second = reader.seqs
        resumed_at = second[0] if second else None
        print("resumed: %d records from seq %s; SIGTERM to exit %.3f s, status %d"
              % (len(second), resumed_at, took2, status2))
        if status2 not in (0, 143, 130) and status2 != -signal.SIGTERM:
            failures.append("the resumed run failed: " + err2[-500:])
        if not second:
            failures.append("the resumed run delivered nothing: " + err2[-500:])
        else:
            # Everything written up to the end arrives, in order; the runs overlap by at most a chunk or two.
            overlap = len(first) - resumed_at if resumed_at <= len(first) else None
            if resumed_at > len(first):
                failures.append("records %d to %d are missing between the runs" % (len(first), resumed_at - 1))
            merged = first[:resumed_at] + second
            if merged != list(range(len(merged))):
                failures.append("the runs' records are not 0..N in order")
            if len(merged) != target:
                failures.append("%d records delivered in all, %d written" % (len(merged), target))
            print("resume check: %d records in all, %d written, %s sent twice"
                  % (len(merged), target, overlap))
    for f in failures:
        print("FAIL: " + f)
    print("soak: " + ("ok" if not failures else "FAILED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
