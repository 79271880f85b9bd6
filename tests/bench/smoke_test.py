#!/usr/bin/env python3
"""Smoke test of kvlsm-bench: every workload on every compiled-in engine, N = 20,000.

kvlsm-bench checks every value it reads against the value it wrote and exits non-zero on
the first wrong, missing or unexpected one; this script runs it, then checks that the
stdout table, the --json file and the --report directory hold a sane result for every
(workload, engine) pair.

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


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    bench, work, engines = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    json_path = os.path.join(work, "results.json")
    report = os.path.join(work, "report")
    # A 1 MiB write buffer, so that the reads go through tables, not only the memtable;
    # two client threads, so that the shared paths run concurrently.
    command = [bench, "--engines=" + ",".join(engines), "--benchmarks=all",
               "--num=%d" % RECORDS, "--threads=2", "--write_buffer_mb=1", "--settle_ms=20",
               "--db_dir=" + os.path.join(work, "db"), "--json=" + json_path,
               "--report=" + report]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        fail("%s exited with %d\n%s" % (" ".join(command), run.returncode, run.stderr[-4000:]))

    for workload in WORKLOADS:
        if workload not in run.stdout:
            fail("the stdout table has no row for " + workload)

    with open(json_path) as f:
        results = json.load(f)
    if [e["name"] for e in results["engines"]] != engines:
        fail("engines in the JSON: %s" % [e["name"] for e in results["engines"]])
    runs = {(r["workload"], r["engine"]): r for r in results["runs"]}
    for workload in WORKLOADS:
        for engine in engines:
            r = runs.get((workload, engine))
            if r is None:
                fail("no run of %s on %s" % (workload, engine))
            where = "%s on %s: " % (workload, engine)
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

    with open(os.path.join(report, "report.md")) as f:
        markdown = f.read()
    for needle in ["## Results", "## Settings in force", "throughput.svg", "latency.svg"]:
        if needle not in markdown:
            fail("report.md lacks " + needle)
    for plot in ["throughput.svg", "latency.svg"]:
        with open(os.path.join(report, plot)) as f:
            if "<svg" not in f.read():
                fail(plot + " is not an SVG")
    print("kvlsm-bench smoke: %d workloads x %s verified" % (len(WORKLOADS), engines))


if __name__ == "__main__":
    main()
