"""Milestones of a real cluster run, from the daemons' logs.

The logs are the harness's `events.log` (host side: UP, BOOT, POWER_OFF, CRASH,
PAUSE, PARTITION, SWITCH ... lines, ms timestamps) and, per node,
`corosync.log` and `pacemaker.log` (ms timestamps, no year; every node shares
the host clock).  All times are milliseconds after the harness's `UP` line,
which is the scenario's time zero.

Milestones (the same definitions as tests/golden/calibration.rs uses on pacesim's
side; see tools/realcluster/README.md):

  members -X          first node other than X whose corosync logs "A new membership
                      ... Members left: ... X"                       (pacesim: a Membership
                      event on a node other than X whose members lack X)
  members +X          the same with "Members joined: ... X" after X was lost
  members all         the first node whose corosync membership holds every node
  ring reformed       "A new membership ... was formed. Members" with nobody left or
                      joined (the ring re-formed with the same members)
  X alone             X's own corosync forms a membership of X only (a partitioned or
                      resumed node's own view; in a pair, the survivor's too)
  elected             a controller takes over as DC ("S_ELECTION -> S_INTEGRATION");
                      the node is kept as `node`
  quorum lost X       X's controller logs "Quorum lost" (quorum_notification_cb)
  fence requested X   first "Requesting fencing (...) of node X" by a controller
  fence failed X      first "Peer X was not terminated"
  fence gave up X     first "Too many failures (N) to fence X"
  fenced X            first "Peer X was terminated (...) by ...: OK"
  started R           "Result of start operation for R on N: ok" (node kept)
  stopped R           "Result of stop operation for R on N: ok" (node kept)
  booted X            the harness boots X (BOOT line: node-init starts)
  joined X            X's controller: first "S_PENDING -> S_NOT_DC" after X booted
                      (the other nodes re-join the DC too when X comes: not kept)
  started G           for a group (from the setup's `--group` lines): its last member's
                      start result ok

A milestone that repeats is numbered within its window (from one fault to the
next): `started web`, `started web #2`, ...
"""

import datetime
import glob
import os
import re

EV_RE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (.*)$")
LOG_RE = re.compile(r"^(\w{3} \d\d \d\d:\d\d:\d\d\.\d{3}) (.*)$")


def _ev_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f")


def read_lines(state_dir, nodes):
    """All log lines after UP as (ms_since_up, source_node_or_'host', kind, text), sorted."""
    ev_path = os.path.join(state_dir, "events.log")
    if not os.path.exists(ev_path):
        raise FileNotFoundError(f"{ev_path}: no events.log (did the cluster start?)")
    ev = []
    for line in open(ev_path, errors="replace"):
        m = EV_RE.match(line.rstrip("\n"))
        if m:
            ev.append((_ev_time(m.group(1)), m.group(2)))
    ups = [t for t, x in ev if x.startswith("UP ")]
    if not ups:
        raise ValueError(f"{ev_path}: no UP line")
    t_up = ups[-1]
    year = t_up.year

    def ms(t):
        return int(round((t - t_up).total_seconds() * 1000))

    out = [(ms(t), "host", "ev", x) for t, x in ev if t >= t_up]
    for n in nodes:
        for kind, rels in (
            ("coro", ("log-corosync/corosync.log", "corosync.log")),
            ("pcmk", ("log-pacemaker/pacemaker.log", "pacemaker.log")),
        ):
            for rel in rels:
                for d in (os.path.join(state_dir, "nodes", n), os.path.join(state_dir, "logs", n)):
                    f = os.path.join(d, rel)
                    if not os.path.exists(f):
                        continue
                    for line in open(f, errors="replace"):
                        m = LOG_RE.match(line)
                        if not m:
                            continue
                        try:
                            t = datetime.datetime.strptime(f"{year} {m.group(1)}", "%Y %b %d %H:%M:%S.%f")
                        except ValueError:
                            continue
                        if t >= t_up:
                            out.append((ms(t), n, kind, line.rstrip("\n")))
                    break
                else:
                    continue
                break
    out.sort(key=lambda x: x[0])
    return t_up, out


FAULT_RE = re.compile(
    r"^(POWER_OFF (\S+) \(SIGKILL|CRASH (\S+) \(SIGSTOP|PAUSE (\S+) [\d.]+s \(|KILL_STACK (\S+) \(|"
    r"PARTITION |HEAL$|LINK |NETEM |POWER_ON (\S+) \(boot|MARK FAULT )"
)


def extract(lines, nodes):
    """Raw events in time order: dicts with t (ms since UP), key, node."""
    ids = {str(i + 1): n for i, n in enumerate(nodes)}
    evs = []

    def add(t, key, node=None, text=""):
        evs.append({"t": t, "key": key, "node": node, "text": text})

    members = {n: set() for n in nodes}      # each node's own corosync view
    lost = set()                             # nodes some survivor saw leave, not back yet
    booted_at = {}
    fence_events = set()
    full_seen = False
    rejoining = set()                        # booted, controller not joined yet
    for t, src, kind, x in lines:
        if kind == "ev":
            m = re.match(r"BOOT (\S+) \(init", x)
            if m:
                booted_at[m.group(1)] = t
                rejoining.add(m.group(1))
                add(t, f"booted {m.group(1)}", m.group(1), x)
            continue
        if kind == "coro":
            if "Corosync Cluster Engine" in x and "starting up" in x:
                members[src] = set()
                continue
            m = re.search(r"A new membership \(\S+\) was formed\. Members(.*)$", x)
            if not m:
                continue
            rest = m.group(1)
            left = re.search(r"left:((?: \d+)+)", rest)
            joined = re.search(r"joined:((?: \d+)+)", rest)
            left = [ids.get(i, f"id{i}") for i in left.group(1).split()] if left else []
            joined = [ids.get(i, f"id{i}") for i in joined.group(1).split()] if joined else []
            before = set(members[src])
            members[src] = (before - set(left)) | set(joined)
            if not left and not joined and before:
                add(t, "ring reformed", src, x)
            for v in left:
                if v != src and v not in lost:
                    lost.add(v)
                    add(t, f"members -{v}", src, x)
            if left and members[src] == {src}:
                add(t, f"{src} alone", src, x)
            if set(nodes) <= members[src] and not full_seen:
                full_seen = True
                add(t, "members all", src, x)
            for v in joined:
                if v != src and v in lost:
                    lost.discard(v)
                    add(t, f"members +{v}", src, x)
            continue
        # pacemaker
        if "pacemaker-controld" in x:
            if "State transition S_ELECTION -> S_INTEGRATION" in x:
                add(t, "elected", src, x)
            if "State transition S_PENDING -> S_NOT_DC" in x and src in rejoining:
                # the (re)started node's controller joined the DC (others re-join too: not kept)
                rejoining.discard(src)
                add(t, f"joined {src}", src, x)
            if "State transition S_ELECTION -> S_INTEGRATION" in x:
                rejoining.discard(src)
            if "(quorum_notification_cb)" in x and re.search(r"(warning|notice): Quorum lost", x):
                add(t, f"quorum lost {src}", src, x)
            m = re.search(r"Requesting fencing \(\w+\) (?:of|targeting) node (\S+?)\b", x)
            if m:
                add(t, f"fence requested {m.group(1)}", src, x)
            # every controller logs each fencing result: one event id, one milestone
            m = re.search(r"Peer (\S+) was (not )?terminated .*?event=(\S+)", x)
            if m and m.group(3) not in fence_events:
                fence_events.add(m.group(3))
                if m.group(2):
                    add(t, f"fence failed {m.group(1)}", src, x)
                elif re.search(r"was terminated \(\w+\) by \S+ on behalf of \S+: OK", x):
                    add(t, f"fenced {m.group(1)}", src, x)
            m = re.search(r"Too many failures \(\d+\) to fence (\S+?),", x) or re.search(
                r"Too many failures \(\d+\) to fence (\S+)", x
            )
            if m:
                add(t, f"fence gave up {m.group(1)}", src, x)
            m = re.search(r"Result of (start|stop) operation for (\S+) on (\S+): ok\b", x)
            if m and m.group(3) == src:
                verb = "started" if m.group(1) == "start" else "stopped"
                add(t, f"{verb} {m.group(2)}", m.group(3), x)
    return evs, booted_at


def with_groups(evs, groups):
    """Adds `started G` at each start of a group's last member (the group is up)."""
    last = {members[-1]: g for g, members in groups.items() if members}
    out = []
    for e in evs:
        out.append(e)
        k = e["key"]
        if k.startswith("started ") and k[8:] in last:
            out.append({"t": e["t"], "key": f"started {last[k[8:]]}", "node": e["node"], "text": e["text"]})
    return out


def milestones(evs, since_ms, until_ms=None):
    """The milestones at or after `since_ms`, each key's occurrences numbered
    (`started web`, `started web #2`); a ring re-formed twice within 1 s, or a
    node's own shrinking view within 5 s, counts once (one event, several steps)."""
    count = {}
    out = []
    last_t = {}
    for e in evs:
        if e["t"] < since_ms or (until_ms is not None and e["t"] >= until_ms):
            continue
        k = e["key"]
        if k == "ring reformed" and k in last_t and e["t"] - last_t[k] < 1000:
            continue
        if k.endswith(" alone") and k in last_t and e["t"] - last_t[k] < 5000:
            continue
        last_t[k] = e["t"]
        count[k] = count.get(k, 0) + 1
        name = k if count[k] == 1 else f"{k} #{count[k]}"
        out.append({"key": name, "t_ms": e["t"], "node": e["node"]})
    return out


def fault_instants(lines):
    """Harness lines of the faults: (ms since UP, text)."""
    return [(t, x) for t, src, kind, x in lines if kind == "ev" and FAULT_RE.match(x)]


def node_dirs(state_dir):
    return sorted(os.path.basename(d) for d in glob.glob(os.path.join(state_dir, "nodes", "node*")))
