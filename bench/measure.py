#!/usr/bin/env python3
"""Time a few commands, alternating between them, and report medians.

Called by bench/run; it can also be used by hand:

    bench/measure.py --runs 5 --json out.json \
        --cmd 'aioguard=target/release/aioguard check --exit-zero --quiet CORPUS' \
        --cmd 'ruff=ruff check --no-cache --isolated --select ASYNC,RUF006 --exit-zero CORPUS'

Each --cmd is NAME=COMMAND; COMMAND is split like a shell would (shlex), but
run without a shell, under `/usr/bin/time -f '%e %M'`, so that %M is the peak
RSS of the measured program itself.  Options that take NAME=VALUE:

    --prep NAME=COMMAND  run (through bash, not timed) before every run of NAME
    --cwd  NAME=DIR      run NAME (and its prep) in DIR

After one warm-up run of each command, the commands are run in rounds
(A B C, A B C, ...) so that slow drifts of the machine hit all of them alike.
Wall time is taken with time.perf_counter() around the /usr/bin/time process
(finer than the 10 ms of %e, which is kept in the raw data as a cross-check);
peak RSS is %M.  A command that exits non-zero is marked failed, the start
of its stderr is kept, and it is not run again.  The result is written as JSON:

    {"runs": N, "results": {NAME: {"ok": bool, "wall": [...], "time_e": [...],
                                   "rss_kib": [...], "error": str|null}}}
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

TIME = "/usr/bin/time"


def name_value(text):
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def run_once(name, argv, prep, cwd):
    """Run one command; return (wall_s, time_e_s, rss_kib) or raise RuntimeError."""
    if prep:
        p = subprocess.run(["bash", "-c", prep], cwd=cwd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"prep failed (exit {p.returncode}): {p.stderr.strip()[:1500]}")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, \
         tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        p = subprocess.run([TIME, "-f", "%e %M", "-o", tf.name, *argv],
                           cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=err)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            err.seek(0)
            head = err.read().strip()[:1500]  # a panic or usage error comes first
            raise RuntimeError(f"exit {p.returncode}: {head}")
        # /usr/bin/time -o writes "%e %M" on the last line (earlier lines may
        # say "Command exited with non-zero status", not reached here).
        last = tf.read().strip().splitlines()[-1].split()
        return wall, float(last[0]), int(last[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--json", required=True, help="where to write the results")
    ap.add_argument("--cmd", type=name_value, action="append", required=True)
    ap.add_argument("--prep", type=name_value, action="append", default=[])
    ap.add_argument("--cwd", type=name_value, action="append", default=[])
    args = ap.parse_args()

    cmds = dict(args.cmd)
    preps = dict(args.prep)
    cwds = dict(args.cwd)
    results = {n: {"ok": True, "wall": [], "time_e": [], "rss_kib": [], "error": None}
               for n in cmds}

    def attempt(name, record):
        res = results[name]
        if not res["ok"]:
            return
        try:
            wall, e, rss = run_once(name, shlex.split(cmds[name]), preps.get(name),
                                    cwds.get(name))
        except (RuntimeError, OSError) as exc:
            res["ok"] = False
            res["error"] = str(exc)
            print(f"  {name}: FAILED: " + str(exc)[:600].replace("\n", "\n    "), file=sys.stderr)
            return
        if record:
            res["wall"].append(wall)
            res["time_e"].append(e)
            res["rss_kib"].append(rss)
        print(f"  {name:<12} {wall:8.3f} s  {rss / 1024:8.1f} MiB"
              + ("" if record else "  (warm-up)"), file=sys.stderr)

    for _ in range(args.warmup):
        for name in cmds:
            attempt(name, record=False)
    for i in range(args.runs):
        print(f"round {i + 1}/{args.runs}", file=sys.stderr)
        for name in cmds:
            attempt(name, record=True)

    for res in results.values():
        if res["wall"]:
            res["median_wall"] = statistics.median(res["wall"])
            res["max_rss_kib"] = max(res["rss_kib"])
    with open(args.json, "w") as f:
        json.dump({"runs": args.runs, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
