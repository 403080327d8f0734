#!/usr/bin/env python3
"""The measurements behind bench/run; see bench/run for the set-up it expects.

    bench/bench.py --build DIR [--sax-build DIR] [--commit SHA] [--quick]
                   [--sections speed,peers,memory,scaling,tokens,tokenizer,decode]

Every figure is printed next to its reference from the same run (the bare
RapidJSON SAX parse, `cat FILE > /dev/null`, the peers), because absolute
times on a shared 2-core machine are noise and ratios are not. Times are the
best of N runs (wall clock); CPU seconds (user + system of the process and
its threads) are shown too, as they suffer less from other load. Writes the
tables as Markdown to bench/out/results-<quick|full>.md and the raw
figures to bench/out/results-<quick|full>.json.
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
OUT = os.path.join(HERE, "out")
NPM_DIR = os.path.join(OUT, "npm")
MB = 1024 * 1024

# The TOON CLI slows down faster than linearly on nested records (16 MB of
# orders: minutes), so the peers get their own, smaller inputs.
QUICK = {"speed_mb": 8, "peers_mb": 1, "repeats": 3, "peer_repeats": 1, "memory_mb": [1, 8],
         "scaling_mb": 8, "token_records": 1000, "decode_mb": [8]}
FULL = {"speed_mb": 128, "peers_mb": 16, "repeats": 5, "peer_repeats": 1, "memory_mb": [1, 16, 128, 1024],
        "scaling_mb": 128, "token_records": 1000, "decode_mb": [10, 100, 1024]}
# The decode table's 1 GB row is one data set (its JSON is generated on the
# fly into bench/data the first time, ~2 minutes); repeats there: 1.
DECODE_GB_SETS = ["events"]
DATASETS = ["events", "hr", "orders"]
MODES = ["fast", "balanced", "ultra", "adaptive"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- running and timing -------------------------------------------------------

def run_once(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (wall seconds, cpu seconds, stdout text or None)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), proc.returncode, proc.stderr.decode()[-2000:]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = proc.stdout.decode() if stdout == subprocess.PIPE else None
    return wall, cpu, text


def best_of(cmd, repeats, stdout=subprocess.DEVNULL):
    """The fastest of `repeats` runs: (wall, cpu, stdout of that run)."""
    best = None
    for _ in range(repeats):
        result = run_once(cmd, stdout)
        if best is None or result[0] < best[0]:
            best = result
    return best


def best_of_interleaved(cmds, repeats):
    """The fastest of `repeats` runs of each command, run round-robin (A B C,
    A B C, ...) so that a change in the machine's load between rounds falls
    on every command alike: {name: (wall, cpu, stdout of that run)}. `cmds`
    maps a name to (cmd, stdout)."""
    best = {}
    for _ in range(repeats):
        for name, (cmd, stdout) in cmds.items():
            result = run_once(cmd, stdout)
            if name not in best or result[0] < best[name][0]:
                best[name] = result
    return best


def peak_rss_mb(cmd):
    """Peak resident set size of cmd in MB, as /usr/bin/time -v reports it."""
    report = os.path.join(OUT, "time-v.txt")
    proc = subprocess.run(["/usr/bin/time", "-v", "-o", report] + cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), proc.returncode, proc.stderr.decode()[-2000:]))
    text = open(report).read()
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall.split(":"))))
    return kb / 1024, seconds


# --- inputs -------------------------------------------------------------------

def same_but_newlines(a, b):
    """Whether files a and b hold the same bytes once '\n' is taken out of
    both (JSON strings hold none), read as streams."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        pending_a, pending_b = b"", b""
        while True:
            block_a, block_b = fa.read(1 << 22), fb.read(1 << 22)
            pending_a += block_a.replace(b"\n", b"")
            pending_b += block_b.replace(b"\n", b"")
            n = min(len(pending_a), len(pending_b))
            if pending_a[:n] != pending_b[:n]:
                return False
            pending_a, pending_b = pending_a[n:], pending_b[n:]
            if not block_a and not block_b:
                return not pending_a and not pending_b


def dataset(name, size_mb, formats="json,tables,jsonl,csv,sqlite"):
    """The meta of DATA/<name>-<size>MB.*, generated (seeded) when missing,
    or when it lacks a format asked for (the same seed gives the same bytes)."""
    stem = os.path.join(DATA, "%s-%gMB" % (name, size_mb))
    meta_path = stem + ".meta.json"
    wanted = set(formats.split(",")) - {"csv"}  # no csv for the nested set
    if not os.path.exists(meta_path) or not wanted <= set(json.load(open(meta_path))["files"]):
        log("==> generating %s (%g MB)" % (os.path.basename(stem), size_mb))
        subprocess.run([sys.executable, os.path.join(HERE, "gen_data.py"), name, str(size_mb), DATA,
                        "--formats", formats], check=True)
    meta = json.load(open(meta_path))
    meta["stem"] = stem
    return meta


def path_of(meta, fmt):
    return os.path.join(DATA, meta["files"][fmt]["path"])


def pipeline_config(meta, fmt, out_path, chunk_size=1000, capacity=4, compression="balanced"):
    """A config file for `aton run` reading `fmt` of meta with the given knobs."""
    source = {"plugin": {"json": "json", "tables": "json", "jsonl": "json", "csv": "csv", "sqlite": "sql"}[fmt],
              "count": False}
    if fmt == "sqlite":
        source.update(database=path_of(meta, fmt), table="records")
    else:
        source["path"] = path_of(meta, fmt)
    if fmt == "jsonl":
        source["format"] = "jsonl"
    config = {"source": source, "encoder": {"chunk_size": chunk_size, "compression": compression},
              "queue": {"capacity": capacity}, "sinks": [{"plugin": "file", "path": out_path}]}
    name = "run-%s-%s-c%d-q%d-%s.json" % (os.path.basename(meta["stem"]), fmt, chunk_size, capacity, compression)
    path = os.path.join(OUT, name)
    with open(path, "w") as out:
        json.dump(config, out)
    return path


class Bench:
    def __init__(self, build, sax_build, commit, quick, sections):
        self.build = os.path.abspath(build)
        self.commit = commit
        self.aton = os.path.join(self.build, "bin", "aton")
        self.sax = os.path.join(os.path.abspath(sax_build or build), "bin", "aton_bench_sax")
        self.toon = os.path.join(NPM_DIR, "node_modules", ".bin", "toon")
        self.tokenizer_bench = os.path.join(os.path.abspath(sax_build or build), "bin", "aton_bench_tokenizer")
        self.cfg = QUICK if quick else FULL
        self.label = "quick" if quick else "full"
        self.sections = sections
        self.md = []
        self.raw = {}

    # -- shared helpers
    def table(self, title, command, header, rows, note=None):
        if self.commit:
            command = command.replace("bench/run", "bench/run --commit %s" % self.commit[:7], 1)
        lines = ["### " + title, "", "Printed by: `%s`" % command, ""]
        if note:
            lines += [note, ""]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        lines.append("")
        text = "\n".join(lines)
        print(text, flush=True)
        self.md.append(text)

    def aton_run(self, config):
        return [self.aton, "run", config, "--progress=none", "--quiet"]

    def aton_encode(self, meta, mode="balanced", chunk=1000, out=None, fmt="json"):
        return [self.aton, "encode", path_of(meta, fmt), "--compression", mode, "--chunk-size", str(chunk),
                "-o", out or os.path.join(OUT, "encode.aton")]

    # -- speed: aton against the parse limit and the I/O limit
    def speed(self):
        size, reps = self.cfg["speed_mb"], self.cfg["repeats"]
        rows, raw = [], {}
        for name in DATASETS:
            meta = dataset(name, size)
            records = meta["records"]
            json_path = path_of(meta, "json")
            run_once(["cat", json_path])  # warm the page cache
            # (row label, input format) -> (command, stdout), all timed in the same rounds
            cmds = {("cat > /dev/null", "json"): (["cat", json_path], subprocess.DEVNULL),
                    ("bare SAX parse", "json"): ([self.sax, json_path], subprocess.PIPE),
                    ("bare SAX parse", "jsonl"): ([self.sax, path_of(meta, "jsonl"), "--jsonl"], subprocess.DEVNULL),
                    ("aton encode", "json"): (self.aton_encode(meta, "balanced"), subprocess.DEVNULL)}
            for fmt in ["json", "jsonl", "csv", "sqlite"]:
                if fmt in meta["files"]:
                    config = pipeline_config(meta, fmt, os.path.join(OUT, "run.aton"))
                    cmds[("aton run %s -> file" % fmt, fmt)] = (self.aton_run(config), subprocess.DEVNULL)
            best = best_of_interleaved(cmds, reps)
            sax, cat, encode = best[("bare SAX parse", "json")], best[("cat > /dev/null", "json")], best[("aton encode", "json")]
            assert sax[2].split()[0] == str(records), "SAX counted %s, expected %d" % (sax[2], records)
            for (what, fmt), result in best.items():
                nbytes = meta["files"][fmt]["bytes"]
                wall, cpu = result[0], result[1]
                raw["%s/%s/%s" % (name, what, fmt)] = {"wall": wall, "cpu": cpu, "bytes": nbytes, "records": records}
                rows.append([name, what, fmt, "%.1f" % (nbytes / MB), "%.0f" % (nbytes / MB / wall),
                             "%.0fk" % (records / wall / 1000), "%.2f" % wall, "%.2f" % cpu,
                             "%.2f" % (sax[0] / wall), "%.2f" % (sax[1] / cpu) if cpu > 0 else "",
                             "%.2f" % (encode[0] / wall) if what.startswith("aton") else "",
                             "%.3f" % (cat[0] / wall)])
            log("speed: %s done" % name)
        self.raw["speed"] = raw
        self.table("Speed: aton against the parse and I/O limits (%g MB inputs, best of %d)" % (size, reps),
                   "bench/run%s --sections speed" % (" --quick" if self.label == "quick" else ""),
                   ["data", "what", "input", "MB", "MB/s", "records/s", "wall s", "cpu s", "x SAX (wall)",
                    "x SAX (cpu)", "x encode", "x cat"], rows,
                   "MB/s is input bytes per wall second. x SAX: the bare SAX parse of the same data's JSON "
                   "document divided by this row's time (1.00 = as fast as the parse limit); x encode: the same "
                   "against `aton encode` of that document; x cat: against `cat FILE > /dev/null`. The commands "
                   "of a data set run in turn, round after round, and each row is its best round. Encoder: "
                   "balanced, chunk 1000, queue 4, source count off.")

    # -- peers: TOON CLI and jq on the same inputs
    def peers(self):
        size, reps = self.cfg["peers_mb"], self.cfg["repeats"]
        rows, raw = [], {}
        for name in DATASETS:
            meta = dataset(name, size)
            json_path = path_of(meta, "json")
            run_once(["cat", json_path])
            sax = best_of([self.sax, json_path], reps)
            encode = best_of(self.aton_encode(meta), reps)
            run = best_of(self.aton_run(pipeline_config(meta, "json", os.path.join(OUT, "run.aton"))), reps)
            toon = best_of([self.toon, json_path, "-o", os.path.join(OUT, "peer.toon")], self.cfg["peer_repeats"])
            jq = best_of(["jq", "-c", ".", json_path], self.cfg["peer_repeats"])
            nbytes = meta["files"]["json"]["bytes"]
            for what, result in [("bare SAX parse", sax), ("aton encode", encode), ("aton run json -> file", run),
                                 ("toon (CLI, JSON -> TOON)", toon), ("jq -c .", jq)]:
                raw["%s/%s" % (name, what)] = {"wall": result[0], "cpu": result[1], "bytes": nbytes}
                rows.append([name, what, "%.1f" % (nbytes / MB / result[0]), "%.2f" % result[0], "%.2f" % result[1],
                             "%.2f" % (toon[0] / result[0]), "%.2f" % (jq[0] / result[0])])
            log("peers: %s done" % name)
        self.raw["peers"] = raw
        self.table("Peers: the same JSON documents (%g MB) through TOON's CLI and jq" % size,
                   "bench/run%s --sections peers" % (" --quick" if self.label == "quick" else ""),
                   ["data", "what", "MB/s", "wall s", "cpu s", "x toon", "x jq"], rows,
                   "x toon / x jq: how many times faster than the TOON CLI / `jq -c .` this row is (wall clock).")

    # -- memory: peak RSS against input size
    def memory(self):
        rows, raw = [], {}
        for size in self.cfg["memory_mb"]:
            for name in DATASETS:
                meta = dataset(name, size)
                cells = [name, "%g" % size, str(meta["records"])]
                for fmt in ["json", "tables", "jsonl", "csv", "sqlite"]:
                    if fmt not in meta["files"]:
                        cells.append("-")
                        continue
                    config = pipeline_config(meta, fmt, os.path.join(OUT, "run.aton"))
                    rss, secs = peak_rss_mb(self.aton_run(config))
                    raw["%s/%g/run-%s" % (name, size, fmt)] = {"rss_mb": rss, "wall": secs}
                    cells.append("%.1f" % rss)
                for fmt in ["json", "tables"]:
                    rss, secs = peak_rss_mb(self.aton_encode(meta, fmt=fmt))
                    raw["%s/%g/encode-%s" % (name, size, fmt)] = {"rss_mb": rss, "wall": secs}
                    cells.append("%.1f" % rss)
                rss, _ = peak_rss_mb([self.sax, path_of(meta, "json")])
                cells.append("%.1f" % rss)
                rows.append(cells)
            log("memory: %g MB done" % size)
        self.raw["memory"] = raw
        self.table("Memory: peak RSS in MB against input size (/usr/bin/time -v)",
                   "bench/run%s --sections memory" % (" --quick" if self.label == "quick" else ""),
                   ["data", "input MB", "records", "run json", "run {t}", "run jsonl", "run csv", "run sqlite",
                    "encode", "encode {t}", "bare SAX"], rows,
                   "`aton run` with the file sink, chunk 1000, queue 4, balanced, count false. `aton encode` maps "
                   "the document and releases it behind the records encoded. {t}: the same records as "
                   "{\"records\": [...]}, read without --table / \"table\". Target: <= 64 MB at 1 GB for every "
                   "source.")

    # -- scaling: chunk size x queue capacity, and each compression mode
    def scaling(self):
        size, reps = self.cfg["scaling_mb"], self.cfg["repeats"]
        meta = dataset("events", size)
        records = meta["records"]
        run_once(["cat", path_of(meta, "json")])
        sax_cmd = ([self.sax, path_of(meta, "json")], subprocess.DEVNULL)
        rows, raw = [], {}
        chunks, capacities = [10, 100, 1000, 10000], [1, 4, 16]
        cmds = {"sax": sax_cmd}
        for chunk in chunks:
            for capacity in capacities:
                config = pipeline_config(meta, "json", os.path.join(OUT, "run.aton"), chunk, capacity)
                cmds[(chunk, capacity)] = (self.aton_run(config), subprocess.DEVNULL)
        best = best_of_interleaved(cmds, reps)
        sax = best["sax"]
        for chunk in chunks:
            cells = [str(chunk)]
            for capacity in capacities:
                wall, cpu, _ = best[(chunk, capacity)]
                raw["chunk%d/queue%d" % (chunk, capacity)] = {"wall": wall, "cpu": cpu, "records": records}
                cells.append("%.0fk (%.2f)" % (records / wall / 1000, sax[0] / wall))
            rows.append(cells)
        self.table("Scaling: records/s of `aton run` json -> file by chunk size and queue capacity "
                   "(events, %g MB, best of %d, round-robin)" % (size, reps),
                   "bench/run%s --sections scaling" % (" --quick" if self.label == "quick" else ""),
                   ["chunk size", "queue 1", "queue 4", "queue 16"], rows,
                   "Each cell: records/s (x bare SAX parse of the same file, wall). Balanced mode.")
        rows = []
        cmds = {"sax": sax_cmd}
        for mode in MODES:
            out = os.path.join(OUT, "mode-%s.aton" % mode)
            cmds[("run", mode)] = (self.aton_run(pipeline_config(meta, "json", out, compression=mode)), subprocess.DEVNULL)
            cmds[("encode", mode)] = (self.aton_encode(meta, mode, 1000, out + ".enc"), subprocess.DEVNULL)
        best = best_of_interleaved(cmds, reps)
        sax = best["sax"]
        for mode in MODES:
            wall, cpu, _ = best[("run", mode)]
            enc_wall, enc_cpu, _ = best[("encode", mode)]
            out_bytes = os.path.getsize(os.path.join(OUT, "mode-%s.aton" % mode))
            raw["mode/" + mode] = {"run_wall": wall, "run_cpu": cpu, "encode_wall": enc_wall, "encode_cpu": enc_cpu,
                                   "out_bytes": out_bytes}
            rows.append([mode, "%.0fk" % (records / wall / 1000), "%.2f" % (sax[0] / wall), "%.2f" % cpu,
                         "%.0fk" % (records / enc_wall / 1000), "%.2f" % (sax[0] / enc_wall), "%.2f" % enc_cpu,
                         "%.1f" % (out_bytes / MB), "%.2f" % (out_bytes / meta["files"]["json"]["bytes"])])
        self.raw["scaling"] = raw
        self.table("Compression modes: cost and output size (events, %g MB, chunk 1000, queue 4, best of %d, "
                   "round-robin)" % (size, reps),
                   "bench/run%s --sections scaling" % (" --quick" if self.label == "quick" else ""),
                   ["mode", "run records/s", "run x SAX", "run cpu s", "encode records/s", "encode x SAX",
                    "encode cpu s", "out MB", "out / JSON bytes"], rows)

    # -- tokens: o200k counts of 1,000 records in every representation
    def tokens(self):
        n = self.cfg["token_records"]
        rows, raw = [], {}
        for name in DATASETS:
            stem = "%s-%dr" % (name, n)
            if not os.path.exists(os.path.join(DATA, stem + ".meta.json")):
                subprocess.run([sys.executable, os.path.join(HERE, "gen_data.py"), name, "--records", str(n), DATA,
                                "--formats", "json"], check=True)
            records = json.load(open(os.path.join(DATA, stem + ".json")))
            base = os.path.join(OUT, "tokens-" + stem)
            doc = {name: records}  # the same table name in every representation
            files = {"pretty JSON": base + ".pretty.json", "compact JSON": base + ".compact.json"}
            with open(files["pretty JSON"], "w") as out:
                json.dump(doc, out, indent=2, ensure_ascii=False)
            with open(files["compact JSON"], "w") as out:
                json.dump(doc, out, separators=(",", ":"), ensure_ascii=False)
            # "by tokens": --tokenizer o200k_base, the choices made by its tokens (docs/FORMAT.md, section 6)
            by_tokens = ["balanced", "ultra"]
            for mode, tokenized in [(m, False) for m in MODES] + [(m, True) for m in by_tokens]:
                what = "ATON " + mode + (" by tokens" if tokenized else "")
                files[what] = base + "." + mode + (".tokens" if tokenized else "") + ".aton"
                subprocess.run([self.aton, "encode", files["compact JSON"], "--compression", mode, "--chunk-size",
                                str(n), "-o", files[what]] + (["--tokenizer", "o200k_base"] if tokenized else []),
                               check=True, cwd=ROOT)
            toon_path = base + ".toon"
            counted = subprocess.run(["node", os.path.join(HERE, "tokens.mjs"), "--toon", files["compact JSON"],
                                      toon_path] + list(files.values()), check=True, capture_output=True,
                                     env=dict(os.environ, BENCH_NPM_DIR=NPM_DIR)).stdout
            counts = json.loads(counted)
            tokens = {"TOON": counts[toon_path]}
            tokens.update({what: counts[path] for what, path in files.items()})
            raw[name] = tokens
            compact = tokens["compact JSON"]
            best_fixed = min(tokens["ATON " + m] for m in ["fast", "balanced", "ultra"])
            for what in (["pretty JSON", "compact JSON", "TOON"] + ["ATON " + m for m in MODES] +
                         ["ATON %s by tokens" % m for m in by_tokens]):
                note = ""
                if what.startswith("ATON ultra"):
                    note = "%s 0.85x TOON, %s 0.55x compact" % (
                        "<=" if tokens[what] <= 0.85 * tokens["TOON"] else "> (miss)",
                        "<=" if tokens[what] <= 0.55 * compact else "> (miss)")
                if what.startswith("ATON balanced"):
                    note = "%s TOON" % ("<=" if tokens[what] <= tokens["TOON"] else "> (miss)")
                if what == "ATON adaptive":
                    note = "best fixed: %d (%s)" % (best_fixed, "ok" if tokens[what] <= best_fixed else "miss")
                rows.append([name, what, str(tokens[what]), "%.3f" % (tokens[what] / compact),
                             "%.3f" % (tokens[what] / tokens["TOON"]), note])
        self.raw["tokens"] = raw
        self.table("Tokens: %d records, o200k_base (gpt-tokenizer)" % n,
                   "bench/run%s --sections tokens" % (" --quick" if self.label == "quick" else ""),
                   ["data", "representation", "tokens", "x compact JSON", "x TOON", "target"], rows,
                   "ATON: `aton encode --chunk-size %d` (one chunk: the whole prompt). TOON: @toon-format/toon "
                   "encode() with default options. Every representation holds the same table name." % n)

    # -- tokenizer: aton::Tokenizer::count() on the ATON text of the speed inputs
    def tokenizer(self):
        size = self.cfg["speed_mb"]
        files = []
        for name in DATASETS:
            meta = dataset(name, size)
            for mode in MODES:
                out = os.path.join(OUT, "tokenizer-%s-%gMB.%s.aton" % (name, size, mode))
                subprocess.run(self.aton_encode(meta, mode, 1000, out), check=True)
                files.append(out)
        lines = subprocess.run([self.tokenizer_bench, "--json", "--repeats", str(self.cfg["repeats"])] + files,
                               check=True, capture_output=True, text=True).stdout.splitlines()
        rows, raw = [], []
        for line in lines:
            r = json.loads(line)
            raw.append(r)
            name, mode = os.path.basename(r["file"]).split(".")[:2]
            mb = r["bytes"] / MB
            rows.append([name.replace("tokenizer-", ""), mode, "%.1f" % mb, r["encoding"], str(r["tokens"]),
                         "%.2f" % (r["bytes"] / r["tokens"]), "%.0f" % (mb / r["cold_cpu_s"]),
                         "%.0f" % (mb / r["warm_cpu_s"]), "%.0f" % (mb / r["cold_wall_s"]),
                         "%.0f" % (mb / r["warm_wall_s"])])
        self.raw["tokenizer"] = raw
        self.table("Tokenizer: count() on ATON text, one thread (%g MB inputs, best of %d)" % (size, self.cfg["repeats"]),
                   "bench/run%s --sections tokenizer" % (" --quick" if self.label == "quick" else ""),
                   ["data", "mode", "ATON MB", "encoding", "tokens", "bytes/token", "cold MB/s (cpu)",
                    "warm MB/s (cpu)", "cold MB/s (wall)", "warm MB/s (wall)"], rows,
                   "bench/tokenizer_speed.cpp (aton_bench_tokenizer) on the `aton encode --chunk-size 1000` output "
                   "of each input. Cold: the first pass on a thread whose piece caches are empty; warm: the best "
                   "later pass. MB/s is ATON bytes per second of count() alone, by the CPU time of its thread "
                   "(one core: the target, 100 MB/s) and by the wall clock (other load on the machine shows here).")

    def header(self):
        if self.commit:  # a clean export of that commit was built
            commit, dirty = self.commit[:7], ""
        else:
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                    cwd=ROOT).stdout.strip()
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                   text=True, cwd=ROOT).stdout.strip()
        cpu = "unknown"
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
        text = ("## bench/run %s, %s, commit %s%s\n\nMachine: %d cores (%s), %.0f GB memory, %s; load average at "
                "start %s.\n" % (self.label, datetime.date.today().isoformat(), commit,
                                 " (with uncommitted changes)" if dirty else "", os.cpu_count(), cpu, mem_gb,
                                 platform.platform(), " ".join("%.1f" % x for x in os.getloadavg())))
        print(text, flush=True)
        self.md.append(text)

    # -- decode: aton decode beside aton encode on the same records
    def decode(self):
        rows, raw = [], {}
        for size in self.cfg["decode_mb"]:
            reps = self.cfg["repeats"] if size < 1024 else 1
            for name in DATASETS if size < 1024 else DECODE_GB_SETS:
                meta = dataset(name, size, formats="json")
                json_path = path_of(meta, "json")
                json_bytes = meta["files"]["json"]["bytes"]
                aton_path = os.path.join(OUT, "decode-%s.aton" % name)
                out_json = os.path.join(OUT, "decode.json")
                run_once(self.aton_encode(meta, out=aton_path))
                encode = self.aton_encode(meta)
                decode = [self.aton, "decode", aton_path, "--array", "-o", out_json]
                run_once(["cat", json_path, aton_path])  # warm the page cache
                best = best_of_interleaved({"encode": (encode, subprocess.DEVNULL),
                                            "decode": (decode, subprocess.DEVNULL)}, reps)
                # The round trip is exact for these canonical inputs: the
                # decoded array is the generated document, but for its newlines.
                if not same_but_newlines(json_path, out_json):
                    raise RuntimeError("aton decode --array of %s is not %s" % (aton_path, json_path))
                encode_rss, _ = peak_rss_mb(encode)
                decode_rss, _ = peak_rss_mb(decode)
                enc, dec = best["encode"], best["decode"]
                raw["%s/%g" % (name, size)] = {"json_bytes": json_bytes, "aton_bytes": os.path.getsize(aton_path),
                                               "records": meta["records"], "encode_wall": enc[0], "encode_cpu": enc[1],
                                               "decode_wall": dec[0], "decode_cpu": dec[1],
                                               "encode_rss_mb": encode_rss, "decode_rss_mb": decode_rss}
                rows.append([name, "%.0f" % (json_bytes / MB), "%.0f" % (os.path.getsize(aton_path) / MB),
                             "%.0f" % (json_bytes / MB / enc[0]), "%.0f" % (json_bytes / MB / dec[0]),
                             "%.2f" % (enc[0] / dec[0]), "%.2f" % (enc[1] / dec[1]) if dec[1] > 0 else "",
                             "%.1f" % encode_rss, "%.1f" % decode_rss])
                log("decode: %s %g MB done" % (name, size))
                os.remove(out_json)
        self.raw["decode"] = raw
        self.table("Decode: aton decode beside aton encode on the same records (best of %d; 1 GB: one run)"
                   % self.cfg["repeats"],
                   "bench/run%s --sections decode" % (" --quick" if self.label == "quick" else ""),
                   ["data", "JSON MB", "ATON MB", "encode MB/s", "decode MB/s", "x encode (wall)", "x encode (cpu)",
                    "encode RSS MB", "decode RSS MB"], rows,
                   "MB/s: JSON bytes per wall second, read by `aton encode FILE.json -o FILE.aton` and written by "
                   "`aton decode FILE.aton --array -o FILE.json` (the same bytes: the run checks that the decoded "
                   "file is the generated one). x encode: encode's time over decode's (above 1: decode is faster). "
                   "RSS: peak resident memory (/usr/bin/time -v). Encoder: balanced, chunk 1000.")

    def go(self):
        os.makedirs(OUT, exist_ok=True)
        self.header()
        started = time.time()
        for section in self.sections:
            section_start = time.time()
            getattr(self, section)()
            log("%s: %.0f s" % (section, time.time() - section_start))
        footer = "Total time: %.0f s." % (time.time() - started)
        print(footer)
        self.md.append(footer + "\n")
        with open(os.path.join(OUT, "results-%s.md" % self.label), "w") as out:
            out.write("\n".join(self.md))
        with open(os.path.join(OUT, "results-%s.json" % self.label), "w") as out:
            json.dump(self.raw, out, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="the build folder of the aton measured")
    parser.add_argument("--sax-build", help="the build folder holding aton_bench_sax (default: --build)")
    parser.add_argument("--commit", help="the commit --build was made from (default: the working tree)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sections", default="speed,peers,memory,scaling,tokens,tokenizer,decode")
    args = parser.parse_args()
    sections = args.sections.split(",")
    for section in sections:
        if not hasattr(Bench, section) or section in ("go", "header", "table"):
            parser.error("unknown section %r" % section)
    Bench(args.build, args.sax_build, args.commit, args.quick, sections).go()


if __name__ == "__main__":
    main()
