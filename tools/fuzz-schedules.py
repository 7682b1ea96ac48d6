#!/usr/bin/env python3
"""Random fault schedules for `pacesim run`: four nodes with a group, a clone
and a promotable clone; a fault every one to two minutes, each followed by a
heal; every invariant checked. Usage:

    tools/fuzz-schedules.py OUTDIR [COUNT]
    for f in OUTDIR/*.toml; do target/release/pacesim run "$f" | grep -E '^FAIL  (no-double|fence-before|one-dc|quorum-safety)'; done

A run that prints a FAIL line for an invariant, or does not end, is a bug
(the members expectation at the end may fail legitimately: a crashed node
whose fencing failed for good stays out). The seed of the file is its number.
"""
import os
import random
import sys

NODES = ["n1", "n2", "n3", "n4"]


def schedule(seed):
    r = random.Random(seed)
    out = [
        f'name = "fuzz {seed}"', f"seed = {seed}", 'duration = "31m"',
        'invariants = ["no-double-active", "fence-before-recovery", "one-dc-per-partition", "quorum-safety"]',
        "", "[cluster]", 'nodes = ["n1", "n2", "n3", "n4"]', "setup = [",
        '  "pcs property set stonith-enabled=true",',
        '  "pcs resource defaults update resource-stickiness=50",',
        "  \"pcs stonith create pdu fence_apc ip=1.2.3.4 username=x pcmk_host_map='n1:1;n2:2;n3:3;n4:4'\",",
        '  "pcs resource create a ocf:heartbeat:Dummy op monitor interval=10s --group g",',
        '  "pcs resource create b ocf:heartbeat:Dummy op monitor interval=10s --group g",',
        '  "pcs resource create c ocf:heartbeat:Dummy op monitor interval=10s clone",',
        '  "pcs resource create d ocf:pacemaker:Stateful op monitor interval=10s role=Promoted op monitor interval=11s role=Unpromoted promotable",',
        '  "pcs constraint colocation add g with Promoted d-clone INFINITY",',
        "]", "", "[cluster.quorum]", "auto_tie_breaker = true", "wait_for_all = true", "",
    ]
    if r.random() < 0.5:
        out += ["[network]", f"loss = {r.choice([0.0, 0.01, 0.03])}", ""]
    t = 60
    while t < 1800:
        n = r.choice(NODES)
        k = r.choice(["crash", "power_off", "kill_stack", "pause", "restart", "stop_start",
                      "partition", "even", "link", "resource_fail", "standby", "device"])
        out += ["[[fault]]", f'at = "{t}s"']
        if k in ("crash", "power_off", "kill_stack", "restart"):
            out.append(f'{k} = "{n}"')
        elif k == "pause":
            out += [f'pause = "{n}"', f'for = "{r.choice([2, 5, 15])}s"']
        elif k == "stop_start":
            out += [f'stop_cluster = "{n}"', "", "[[fault]]", f'at = "{t + 20}s"', f'start_cluster = "{n}"']
        elif k == "partition":
            rest = ", ".join(f'"{x}"' for x in NODES if x != n)
            out.append(f'partition = [["{n}"], [{rest}]]')
        elif k == "even":
            out.append('partition = [["n1", "n3"], ["n2", "n4"]]')
        elif k == "link":
            m = r.choice([x for x in NODES if x != n])
            out += [f'link = ["{n}", "{m}"]', f"loss = {r.choice([0.1, 0.5])}"]
        elif k == "resource_fail":
            out += [f'resource_fail = "{r.choice(["a", "b", "c", "d"])}"', f'node = "{n}"']
        elif k == "standby":
            out += [f'standby = "{n}"', "", "[[fault]]", f'at = "{t + 30}s"', f'unstandby = "{n}"']
        else:
            out += ['fence_device = "pdu"', f'fail = "{r.choice(["unreachable", "timeout", "refuse"])}"',
                    "", "[[fault]]", f'at = "{t + 40}s"', 'fence_device = "pdu"', 'fail = "ok"']
        out += ["", "[[fault]]", f'at = "{t + 50}s"', "heal = true", ""]
        t += r.choice([60, 90, 120])
    out += ["[[expect]]", 'at = "31m"', 'members = [["n1", "n2", "n3", "n4"]]', ""]
    return "\n".join(out)


def main():
    outdir = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    os.makedirs(outdir, exist_ok=True)
    for seed in range(1, count + 1):
        with open(os.path.join(outdir, f"f{seed}.toml"), "w") as f:
            f.write(schedule(seed))


if __name__ == "__main__":
    main()
