#!/usr/bin/env python3
"""Smoke test of kvlsm-bench: every workload on every compiled-in engine, N = 20,000.

kvlsm-bench checks every value it reads against the value it wrote and exits non-zero on
the first wrong, missing or unexpected one; this script runs it, then checks that the
stdout table, the --json file and the --report directory hold a sane result for every
(workload, engine) pair. It runs two workloads again with --reload (records loaded for each workload, not
copied from a DB loaded once per engine), and every workload a second time with
--compaction=size-tiered on kvlsm and RocksDB (when compiled in), checks that LevelDB says
it runs leveled instead, and that an unknown --compaction value is a usage error (exit 2).

usage: smoke_test.py KVLSM_BENCH WORK_DIR ENGINES   (ENGINES: comma-separated)
"""
import json
import os
import shutil
import subprocess
import sys

WORKLOADS = ["fillseq", "fillrandom", "overwrite", "readrandom", "readmissing", "readseq",
             "readreverse", "seekrandom", "deleterandom", "readwhilewriting", "ycsba",
             "ycsbb", "ycsbc", "ycsbe", "ycsbf"]
WRITERS = {"fillseq", "fillrandom", "overwrite", "deleterandom", "readwhilewriting", "ycsba",
           "ycsbb", "ycsbe", "ycsbf"}
RECORDS = 20000
# What each engine's "compaction" setting says under each --compaction.
LEVELED = {"kvlsm": "kvlsm.LeveledCompaction", "rocksdb": "leveled, dynamic level sizes",
           "leveldb": "leveled (fixed)"}
SIZE_TIERED = {"kvlsm": "kvlsm.SizeTieredCompaction", "rocksdb": "universal"}


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def run_bench(bench, work, engines, workloads, extra=()):
    """Runs kvlsm-bench on `engines` and `workloads` with N = RECORDS in a fresh `work`,
    checks that it exited 0 and that stdout and the JSON hold a sane run of every pair, and
    returns the JSON."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    json_path = os.path.join(work, "results.json")
    # A 1 MiB write buffer, so that the reads go through tables, not only the memtable;
    # two client threads, so that the shared paths run concurrently.
    command = [bench, "--engines=" + ",".join(engines),
               "--benchmarks=" + ",".join(workloads), "--num=%d" % RECORDS, "--threads=2",
               "--write_buffer_mb=1", "--settle_ms=20", "--db_dir=" + os.path.join(work, "db"),
               "--json=" + json_path] + list(extra)
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        fail("%s exited with %d\n%s" % (" ".join(command), run.returncode, run.stderr[-4000:]))

    for workload in workloads:
        if workload not in run.stdout:
            fail("the stdout table has no row for " + workload)
    # Each run's directory and each engine's loaded copy are gone.
    left = os.listdir(os.path.join(work, "db"))
    if left:
        fail("%s left %s in --db_dir" % (" ".join(command), left))

    with open(json_path) as f:
        results = json.load(f)
    if [e["name"] for e in results["engines"]] != engines:
        fail("engines in the JSON: %s" % [e["name"] for e in results["engines"]])
    runs = {(r["workload"], r["engine"]): r for r in results["runs"]}
    for workload in workloads:
        for engine in engines:
            r = runs.get((workload, engine))
            if r is None:
                fail("no run of %s on %s" % (workload, engine))
            where = "%s on %s%s: " % (workload, engine, "".join(" " + e for e in extra))
            if r["ops"] <= 0 or r["ops_per_sec"] <= 0:
                fail(where + "no operations")
            latency = r["latency_us"]
            if not 0 < latency["p50"] <= latency["p99"] <= latency["p99.9"] <= latency["max"]:
                fail(where + "latency percentiles out of order: %s" % latency)
            if (r["write_amp"] is not None) != (workload in WRITERS):
                fail(where + "write amp %s" % r["write_amp"])
            if workload in WRITERS and not 0.5 < r["write_amp"] < 100:
                fail(where + "write amp %s is not plausible" % r["write_amp"])
            if r["space_amp"] is None or not 0.3 < r["space_amp"] < 20:
                fail(where + "space amp %s is not plausible" % r["space_amp"])
            if not r["settled"]:
                fail(where + "did not settle")
    return results


def check_compaction(results, style, expected):
    """Checks that the JSON records --compaction=`style` and that each engine's "compaction"
    setting contains the text `expected` gives for it."""
    if results["flags"].get("compaction") != style:
        fail("the JSON's flags say compaction %s, not %s"
             % (results["flags"].get("compaction"), style))
    for engine in results["engines"]:
        setting = engine["settings"].get("compaction", "")
        if expected[engine["name"]] not in setting:
            fail("%s with --compaction=%s: the compaction setting \"%s\" lacks \"%s\""
                 % (engine["name"], style, setting, expected[engine["name"]]))


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    bench, work, engines = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    shutil.rmtree(work, ignore_errors=True)

    # Every workload on every engine, leveled (the default), with the report.
    report = os.path.join(work, "leveled", "report")
    results = run_bench(bench, os.path.join(work, "leveled"), engines, WORKLOADS,
                        ["--report=" + report])
    check_compaction(results, "leveled", LEVELED)
    with open(os.path.join(report, "report.md")) as f:
        markdown = f.read()
    for needle in ["## Results", "## Settings in force", "throughput.svg", "latency.svg",
                   "leveled compaction"]:
        if needle not in markdown:
            fail("report.md lacks " + needle)
    for plot in ["throughput.svg", "latency.svg"]:
        with open(os.path.join(report, plot)) as f:
            if "<svg" not in f.read():
                fail(plot + " is not an SVG")

    # The workloads that read loaded records again, each loading them afresh (--reload)
    # instead of copying a DB loaded once per engine.
    run_bench(bench, os.path.join(work, "reload"), engines, ["readrandom", "deleterandom"],
              ["--reload"])

    # Every workload again on the engines that have size-tiered compaction.
    tiered = [e for e in engines if e in SIZE_TIERED]
    results = run_bench(bench, os.path.join(work, "size-tiered"), tiered, WORKLOADS,
                        ["--compaction=size-tiered"])
    check_compaction(results, "size-tiered", SIZE_TIERED)
    # LevelDB has only leveled compaction: it runs that, and its settings say so.
    if "leveldb" in engines:
        results = run_bench(bench, os.path.join(work, "leveldb-size-tiered"), ["leveldb"],
                            ["fillrandom", "readrandom"], ["--compaction=size-tiered"])
        check_compaction(results, "size-tiered",
                         {"leveldb": "size-tiered asked; LevelDB 1.23 has only leveled"})

    # An unknown style is a usage error.
    run = subprocess.run([bench, "--compaction=tiered", "--engines=" + engines[0]],
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 2 or "--compaction=tiered" not in run.stderr:
        fail("--compaction=tiered: exit %d, stderr %r" % (run.returncode, run.stderr))

    print("kvlsm-bench smoke: %d workloads x %s leveled and x %s size-tiered verified"
          % (len(WORKLOADS), engines, tiered))


if __name__ == "__main__":
    main()
