#!/usr/bin/env python3
"""Seeded benchmark inputs for bench/run, written as a stream.

    bench/gen_data.py DATASET SIZE_MB OUT_DIR [--seed N] [--formats json,tables,jsonl,csv,sqlite]
    bench/gen_data.py DATASET --records N OUT_DIR ...

DATASET is one of:
  events  an event log: ids, increasing timestamps, a dominant level, a few
          hundred users, messages, floats, booleans (flat)
  hr      an HR table: names, emails, a few departments and cities, salaries,
          mostly-true flags, some nulls (flat)
  orders  orders with a nested customer object and an array of item objects

Writes OUT_DIR/DATASET-SIZE.{json,jsonl,csv,sqlite} from one pass over the
same records, and DATASET-SIZE.tables.json: the same array as an object of
one table, {"records": [...]}, the shape `aton encode` and the json source
read without --table / "table" (the CSV only for the flat sets; the SQLite database holds the
nested fields of orders as JSON text) and OUT_DIR/DATASET-SIZE.meta.json
with the record count and each file's bytes. SIZE_MB bounds the JSON
document's size; generation stops at the first record past it. Records are
produced one at a time and written in blocks, so 1 GB takes no more memory
than 1 MB. The same seed gives the same bytes.
"""
import argparse
import csv
import io
import json
import os
import random
import sqlite3
import sys

LEVELS = ["INFO"] * 80 + ["DEBUG"] * 10 + ["WARN"] * 7 + ["ERROR"] * 3
SERVICES = ["api", "auth", "billing", "search", "worker"]
PATHS = ["/api/orders", "/api/users", "/api/cart", "/api/search", "/login", "/health"]
FIRST = ["Alice", "Bob", "Carol", "David", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yara"]
LAST = ["Smith", "Jones", "Garcia", "Miller", "Davis", "Martin", "Lopez", "Clark", "Lewis", "Walker",
        "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell"]
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Support", "Finance", "HR"]
CITIES = ["Berlin", "Paris", "London", "Madrid", "Rome", "Vienna", "Lisbon", "Warsaw"]
COUNTRIES = {"Berlin": "DE", "Paris": "FR", "London": "GB", "Madrid": "ES", "Rome": "IT",
             "Vienna": "AT", "Lisbon": "PT", "Warsaw": "PL"}
STATUSES = ["delivered"] * 6 + ["shipped"] * 2 + ["pending", "cancelled"]
TIERS = ["standard"] * 7 + ["gold"] * 2 + ["platinum"]
PRODUCTS = [("SKU-%04d" % i, "Product %d" % i, round(2.5 + (i * 7.31) % 200, 2)) for i in range(500)]
BASE_EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z


def iso(seconds, millis):
    # Timestamps as text, the way logs carry them; cheap to build in-line.
    days, rem = divmod(int(seconds) - BASE_EPOCH, 86400)
    month, day = divmod(days, 28)
    return "2024-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        1 + month % 12, 1 + day, rem // 3600, rem % 3600 // 60, rem % 60, millis)


def events(rng):
    users = ["user_%03d" % i for i in range(300)]
    t = float(BASE_EPOCH)
    i = 0
    while True:
        i += 1
        t += rng.expovariate(20.0)
        level = rng.choice(LEVELS)
        service = rng.choice(SERVICES)
        user = rng.choice(users)
        status = 200 if level in ("INFO", "DEBUG") else (429 if level == "WARN" else 500)
        path = rng.choice(PATHS)
        if level == "ERROR":
            message = "%s %s failed: upstream timeout after %d ms" % (service, path, rng.randint(1000, 5000))
        elif level == "WARN":
            message = "rate limit near for %s on %s" % (user, path)
        else:
            message = "GET %s/%d %d" % (path, rng.randint(1, 5000), status)
        yield {"id": i, "timestamp": iso(t, int((t % 1) * 1000)), "level": level, "service": service,
               "user": user, "message": message, "status": status,
               "latency_ms": round(rng.lognormvariate(3.0, 0.8), 3), "success": status < 400,
               "cached": rng.random() < 0.3}


def hr(rng):
    i = 0
    while True:
        i += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city = rng.choice(CITIES)
        yield {"id": i, "name": "%s %s" % (first, last),
               "email": "%s.%s%d@example.com" % (first.lower(), last.lower(), i),
               "department": rng.choice(DEPARTMENTS), "city": city,
               "salary": rng.randrange(42000, 160000, 500), "bonus": round(rng.uniform(0, 15), 2),
               "active": rng.random() < 0.92, "remote": rng.random() < 0.25,
               "manager_id": None if rng.random() < 0.1 else rng.randint(1, max(1, i // 10 + 1)),
               "phone": None if rng.random() < 0.3 else "+49 30 %07d" % rng.randint(0, 9_999_999),
               "hired": "20%02d-%02d-%02d" % (rng.randint(5, 24), rng.randint(1, 12), rng.randint(1, 28))}


def orders(rng):
    t = float(BASE_EPOCH)
    i = 0
    while True:
        i += 1
        t += rng.expovariate(0.5)
        city = rng.choice(CITIES)
        customer = rng.randint(1, 5000)
        items = []
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            sku, name, price = rng.choice(PRODUCTS)
            items.append({"sku": sku, "name": name, "qty": rng.randint(1, 5), "price": price})
        total = round(sum(it["qty"] * it["price"] for it in items), 2)
        yield {"order_id": i, "created_at": iso(t, 0), "status": rng.choice(STATUSES),
               "customer": {"id": customer, "name": "%s %s" % (FIRST[customer % 20], LAST[customer // 20 % 20]),
                            "tier": rng.choice(TIERS)},
               "items": items, "total": total, "currency": "EUR",
               "shipping": {"city": city, "country": COUNTRIES[city], "express": rng.random() < 0.15}}


DATASETS = {"events": (events, True), "hr": (hr, True), "orders": (orders, False)}


class Writers:
    """The output files of one run; each record goes to all of them."""

    def __init__(self, stem, columns, flat, formats):
        self.paths = {}
        self.json = self.jsonl = self.csv = self.db = None
        self.columns = columns
        if "json" in formats:
            self.paths["json"] = stem + ".json"
            self.json = open(self.paths["json"], "w", encoding="utf-8", buffering=1 << 20)
            self.json.write("[\n")
        self.tables = None
        if "tables" in formats:
            self.paths["tables"] = stem + ".tables.json"
            self.tables = open(self.paths["tables"], "w", encoding="utf-8", buffering=1 << 20)
            self.tables.write('{"records": [\n')
        if "jsonl" in formats:
            self.paths["jsonl"] = stem + ".jsonl"
            self.jsonl = open(self.paths["jsonl"], "w", encoding="utf-8", buffering=1 << 20)
        if "csv" in formats and flat:
            self.paths["csv"] = stem + ".csv"
            self.csv_file = open(self.paths["csv"], "w", encoding="utf-8", newline="", buffering=1 << 20)
            self.csv = csv.writer(self.csv_file, lineterminator="\n")
            self.csv.writerow(columns)
        if "sqlite" in formats:
            self.paths["sqlite"] = stem + ".sqlite"
            if os.path.exists(self.paths["sqlite"]):
                os.remove(self.paths["sqlite"])
            self.db = sqlite3.connect(self.paths["sqlite"])
            self.db.execute("PRAGMA journal_mode=OFF")
            self.db.execute("PRAGMA synchronous=OFF")
            self.db.execute("CREATE TABLE records (%s)" % ", ".join('"%s"' % c for c in columns))
            self.insert = "INSERT INTO records VALUES (%s)" % ", ".join("?" * len(columns))
            self.rows = []
        self.first = True
        self.json_bytes = 2

    def write(self, record):
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
        if self.json:
            self.json.write(line if self.first else ",\n" + line)
        if self.tables:
            self.tables.write(line if self.first else ",\n" + line)
        self.json_bytes += len(line) + (0 if self.first else 2)
        self.first = False
        if self.jsonl:
            self.jsonl.write(line + "\n")
        if self.csv:
            self.csv.writerow(["" if v is None else ("true" if v is True else "false" if v is False else v)
                               for v in record.values()])
        if self.db:
            self.rows.append(tuple(json.dumps(v, separators=(",", ":")) if isinstance(v, (dict, list)) else v
                                   for v in record.values()))
            if len(self.rows) == 10000:
                self.flush_rows()

    def flush_rows(self):
        self.db.executemany(self.insert, self.rows)
        self.rows = []

    def close(self):
        if self.json:
            self.json.write("\n]\n")
            self.json.close()
        if self.tables:
            self.tables.write("\n]}\n")
            self.tables.close()
        if self.jsonl:
            self.jsonl.close()
        if self.csv:
            self.csv_file.close()
        if self.db:
            self.flush_rows()
            self.db.commit()
            self.db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=sorted(DATASETS))
    parser.add_argument("size_mb", type=float, nargs="?")
    parser.add_argument("out_dir")
    parser.add_argument("--records", type=int, help="write exactly this many records instead of SIZE_MB")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", default="json,jsonl,csv,sqlite")
    parser.add_argument("--name", help="file stem (default: DATASET-SIZE)")
    args = parser.parse_args()
    if (args.size_mb is None) == (args.records is None):
        parser.error("give SIZE_MB or --records N")

    make, flat = DATASETS[args.dataset]
    rng = random.Random(args.seed)
    records = make(rng)
    first = next(records)
    columns = list(first.keys())
    if args.name:
        stem_name = args.name
    elif args.records is not None:
        stem_name = "%s-%dr" % (args.dataset, args.records)
    else:
        stem_name = "%s-%gMB" % (args.dataset, args.size_mb)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = os.path.join(args.out_dir, stem_name)
    writers = Writers(stem, columns, flat, set(args.formats.split(",")))

    limit = None if args.size_mb is None else int(args.size_mb * 1024 * 1024)
    count = 0
    record = first
    while True:
        writers.write(record)
        count += 1
        if args.records is not None and count >= args.records:
            break
        if limit is not None and writers.json_bytes >= limit:
            break
        record = next(records)
    writers.close()

    meta = {"dataset": args.dataset, "seed": args.seed, "records": count, "columns": columns,
            "files": {fmt: {"path": os.path.basename(p), "bytes": os.path.getsize(p)}
                      for fmt, p in writers.paths.items()}}
    with open(stem + ".meta.json", "w") as out:
        json.dump(meta, out, indent=1)
    print("%s: %d records, %s" % (stem_name, count,
          ", ".join("%s %.1f MB" % (f, v["bytes"] / 1e6) for f, v in meta["files"].items())), file=sys.stderr)


if __name__ == "__main__":
    main()
