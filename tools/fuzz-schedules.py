#!/usr/bin/env python3
"""Random fault schedules for `pacesim run`: four nodes with a group, a clone
and a promotable clone; a fault every one to two minutes, each followed by a
heal; every invariant checked. Usage:

    tools/fuzz-schedules.py OUTDIR [COUNT] [--three]
    for f in OUTDIR/*.toml; do target/release/pacesim run "$f" | grep -E '^FAIL  (no-double|fence-before|one-dc|quorum-safety)'; done

`--three` writes the other family instead: three nodes with two
anti-colocated primitives and a clone, lossy networks in half the runs, a
fault at a random instant (lossy and cut links, partitions, crashes, pauses,
standby, device faults...), then at 21 min everything healed, powered on and
started. It found the issue-7 bugs (two DCs in one membership; a double
start on a lossy ring re-forming with the same members) where the
four-node family ran clean.

A run that prints a FAIL line for an invariant, or does not end, is a bug
(the members expectation at the end may fail legitimately: a crashed node
whose fencing failed for good, or that crashed after it was fenced, stays
out). The seed of the file is its number.
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


NODES3 = ["n1", "n2", "n3"]
KINDS3 = ["partition", "heal", "resource_fail", "power_on", "power_off", "crash", "kill_stack",
         "restart", "link", "standby", "pause", "stop_start", "device"]

def schedule3(seed):
    r = random.Random(seed)
    stick = r.choice([0, 50, 100])
    loss = r.choice([0.0, 0.0, 0.01, 0.03])
    out = [f'name = "fuzz3 {seed}"', f"seed = {seed}", 'duration = "30m"',
           'invariants = ["no-double-active", "fence-before-recovery", "one-dc-per-partition", "quorum-safety"]',
           "", "[cluster]", 'nodes = ["n1", "n2", "n3"]', "setup = [",
           '  "pcs property set stonith-enabled=true",',
           f'  "pcs resource defaults update resource-stickiness={stick}",',
           "  \"pcs stonith create pdu fence_apc ip=192.0.2.9 username=x pcmk_host_map='n1:1;n2:2;n3:3'\",",
           '  "pcs resource create a ocf:heartbeat:Dummy op monitor interval=10s",',
           '  "pcs resource create b ocf:heartbeat:Dummy op monitor interval=10s",',
           '  "pcs constraint colocation add b with a -INFINITY",',
           '  "pcs resource create c ocf:heartbeat:Dummy op monitor interval=10s clone",',
           "]", "", "[network]", 'latency = ["0.5ms", "5ms"]', f"loss = {loss}", ""]
    t = r.randint(60000, 120000)
    while t < 1200000:
        n = r.choice(NODES3)
        k = r.choice(KINDS3)
        out += ["[[fault]]", f'at = "{t}ms"']
        if k in ("power_on", "power_off", "crash", "kill_stack", "restart"):
            out.append(f'{k} = "{n}"')
        elif k == "heal":
            out.append("heal = true")
        elif k == "partition":
            rest = ", ".join(f'"{x}"' for x in NODES3 if x != n)
            out.append(f'partition = [["{n}"], [{rest}]]')
        elif k == "link":
            m = r.choice([x for x in NODES3 if x != n])
            out += [f'link = ["{n}", "{m}"]', f"loss = {r.choice([0.1, 0.5, 1.0])}"]
        elif k == "resource_fail":
            out += [f'resource_fail = "{r.choice(["a", "b", "c"])}"', f'node = "{n}"']
        elif k == "pause":
            out += [f'pause = "{n}"', f'for = "{r.choice([2, 5, 15])}s"']
        elif k == "standby":
            out += [f'standby = "{n}"', "", "[[fault]]", f'at = "{t + 30000}ms"', f'unstandby = "{n}"']
        elif k == "stop_start":
            out += [f'stop_cluster = "{n}"', "", "[[fault]]", f'at = "{t + 20000}ms"', f'start_cluster = "{n}"']
        else:
            out += ['fence_device = "pdu"', f'fail = "{r.choice(["unreachable", "timeout", "refuse"])}"']
        out.append("")
        t += r.randint(20000, 110000)
    out += ["[[fault]]", 'at = "21m"', "heal = true", "", "[[fault]]", 'at = "21m"',
            'fence_device = "pdu"', 'fail = "ok"', ""]
    for n in NODES3:
        out += ["[[fault]]", 'at = "21m"', f'power_on = "{n}"', ""]
    for n in NODES3:
        out += ["[[fault]]", 'at = "21m45s"', f'start_cluster = "{n}"', ""]
    out += ["[[expect]]", 'at = "29m59s"', 'members = [["n1", "n2", "n3"]]', ""]
    return "\n".join(out)


def main():
    args = [a for a in sys.argv[1:] if a != "--three"]
    three = "--three" in sys.argv[1:]
    outdir = args[0]
    count = int(args[1]) if len(args) > 1 else 40
    os.makedirs(outdir, exist_ok=True)
    for seed in range(1, count + 1):
        name = f"g{seed}.toml" if three else f"f{seed}.toml"
        with open(os.path.join(outdir, name), "w") as f:
            f.write(schedule3(seed) if three else schedule(seed))


if __name__ == "__main__":
    main()
