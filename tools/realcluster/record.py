#!/usr/bin/env python3
"""record.py [--runs N] [--only NAME,...] [--results DIR] [--aggregate-only]

Re-records the calibration data: runs every scenario of
tests/calibration/scenarios/ (options per file in tests/calibration/manifest.toml)
on the real cluster N times with realrun.py, one after the other (one real
cluster per host), keeping each run's results in DIR/<name>-<k>/ (default
/var/tmp/pacesim-recordings), then writes tests/calibration/real.json: per
scenario, every milestone after the fault with its min/max over the runs (ms
after the fault before it; for a scenario without faults, ms after the first
node booted, before the real cluster was configured).  --aggregate-only rebuilds
real.json from the runs already in DIR (every run found there counts), their
milestones derived again from their logs.
"""

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CAL = os.path.join(ROOT, "tests", "calibration")


def manifest():
    with open(os.path.join(CAL, "manifest.toml"), "rb") as f:
        return tomllib.load(f)


def record(names, runs, results, man):
    for k in range(1, runs + 1):
        for name in names:
            n = 1
            while os.path.exists(os.path.join(results, f"{name}-{n}")):
                n += 1
            out = os.path.join(results, f"{name}-{n}")
            cmd = [sys.executable, os.path.join(HERE, "realrun.py"),
                   os.path.join(CAL, "scenarios", f"{name}.toml"), "--out", out, *man[name].get("args", [])]
            print(f"{datetime.datetime.now():%H:%M:%S} run {k}/{runs}: {' '.join(cmd)}", flush=True)
            r = subprocess.run(cmd, capture_output=True, text=True)
            with open(os.path.join(out, "stdout.txt") if os.path.isdir(out) else os.devnull, "w") as fh:
                fh.write(r.stdout + r.stderr)
            print(f"  exit {r.returncode}" + (f": {r.stderr.strip()[-300:]}" if r.returncode not in (0, 1) else ""),
                  flush=True)
            if r.returncode == 2:
                sys.exit(f"record: {name}: the real runner refused the scenario: {r.stderr.strip()}")


def one_run(path, setup_cut):
    """The milestones of one run: {(fault, key): (ms, node)}."""
    j = json.load(open(path))
    out = {}
    nfaults = len(j["faults"])
    for m in j["milestones"]:
        if nfaults:
            if m["fault"] is None:
                continue            # before the fault: start-up, configured later than in pacesim
            t, f = m["after_fault_ms"], m["fault"]
        else:
            if setup_cut and j.get("setup_ms") is not None and m["t_ms"] >= j["setup_ms"]:
                continue            # after the real cluster was configured
            t, f = m["after_start_ms"], 0
        out[(f, m["key"])] = (t, m["node"])
    return j, out


def aggregate(names, results, man, rederive):
    data = {"recorded_with": "sudo python3 tools/realcluster/record.py --runs 3",
            "what": "per scenario, each milestone's time in ms after the fault before it (fault = its "
                    "number in the file; 0 = after the first node booted), min and max over the runs",
            "scenarios": {}}
    for name in names:
        runs = sorted(glob.glob(os.path.join(results, f"{name}-*", "timeline.json")))
        if not runs:
            continue
        per = []
        for r in runs:
            if rederive:
                # the milestones again from the run's logs (after a change of milestones.py)
                d = os.path.dirname(r)
                subprocess.run([sys.executable, os.path.join(HERE, "realrun.py"),
                                os.path.join(CAL, "scenarios", f"{name}.toml"), "--out", d, "--report-only"],
                               capture_output=True, check=True)
            j, ms = one_run(r, True)
            per.append((r, j, ms))
        keys = {}
        for _, _, ms in per:
            for (f, k), (t, node) in ms.items():
                e = keys.setdefault((f, k), {"key": k, "fault": f, "times": [], "nodes": set()})
                e["times"].append(t)
                e["nodes"].add(node)
        rows = []
        for e in keys.values():
            ts = e["times"]
            rows.append({"key": e["key"], "fault": e["fault"], "min_ms": min(ts), "max_ms": max(ts),
                         "runs": len(ts), "nodes": sorted(e["nodes"])})
        rows.sort(key=lambda r: (r["fault"], (r["min_ms"] + r["max_ms"]) / 2))
        data["scenarios"][name] = {
            "file": f"tests/calibration/scenarios/{name}.toml",
            "real_runner_args": man[name].get("args", []),
            "runs": len(per),
            "recorded": sorted({j["up"][:10] for _, j, _ in per}),
            "first_dc": sorted(n.split(": ", 1)[1] for _, j, _ in per for n in j["notes"] if n.startswith("first DC")),
            "milestones": rows,
        }
    path = os.path.join(CAL, "real.json")
    with open(path, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"wrote {path}: " + ", ".join(f"{k} ({v['runs']} runs)" for k, v in data["scenarios"].items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=None, help="comma-separated scenario names")
    ap.add_argument("--results", default="/var/tmp/pacesim-recordings")
    ap.add_argument("--aggregate-only", action="store_true")
    args = ap.parse_args()
    man = manifest()
    names = sorted(man)
    if args.only:
        names = [n for n in args.only.split(",") if n]
        bad = [n for n in names if n not in man]
        if bad:
            sys.exit(f"record: not in tests/calibration/manifest.toml: {bad}")
    os.makedirs(args.results, exist_ok=True)
    if not args.aggregate_only:
        record(names, args.runs, args.results, man)
    aggregate(sorted(man), args.results, man, args.aggregate_only)


if __name__ == "__main__":
    main()
