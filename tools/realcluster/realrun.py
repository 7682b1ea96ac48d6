#!/usr/bin/env python3
"""realrun.py SCENARIO.toml [--out DIR] [--dc-as NODE] [--until DURATION] [--state DIR]

Runs a pacesim scenario file on a real Pacemaker 2.1.5 / Corosync 3 cluster of
its nodes (one set of Linux namespaces per node, harness/cluster.sh), and
writes what happened: DIR/timeline.json (milestones from the daemons' logs,
fault instants, verdicts of the file's expectations), DIR/logs/ (the daemons'
logs) and DIR/events.log.  Prints the timeline and one PASS/FAIL/SKIP line per
expectation.

Exit status: 0 every judged expectation held, 1 one did not (or the real run
failed), 2 bad input, unsupported scenario feature, or no root/namespaces.

Time zero is the harness's `UP` (every node powered on at once, as pacesim's
nodes start at time 0); the cluster is configured by the file's `setup` pcs
commands as soon as it has a DC, then each fault is applied at its `at` (late
if the real cluster was not configured and settled by then; the real instant
is recorded and milestones are measured from it).  See README.md.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import milestones as MS  # noqa: E402

CLUSTER = os.path.join(HERE, "harness", "cluster.sh")


class Unsupported(Exception):
    """The scenario asks for something the real runner cannot do (exit 2)."""


class RunFailed(Exception):
    """The real cluster did not get where the scenario needs it (exit 1)."""


# ---------------------------------------------------------------- input
DUR_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def duration_ms(v, where):
    if not isinstance(v, str) or not v:
        raise Unsupported(f"{where}: a duration string like \"3s\" expected, got {v!r}")
    pos, total = 0, 0.0
    for m in DUR_RE.finditer(v):
        if m.start() != pos:
            break
        total += float(m.group(1)) * {"ms": 1, "s": 1000, "m": 60000, "h": 3600000}[m.group(2)]
        pos = m.end()
    if pos != len(v):
        raise Unsupported(f"{where}: bad duration {v!r}")
    return int(round(total))


FAULT_KEYS = ("power_off", "power_on", "crash", "kill_stack", "pause", "restart", "stop_cluster",
              "start_cluster", "partition", "heal", "link", "fence_device", "resource_fail",
              "standby", "unstandby", "pcs", "recover")


def load(path):
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise Unsupported(f"{path}: {e.strerror}")
    except tomllib.TOMLDecodeError as e:
        raise Unsupported(f"{path}: {e}")
    c = doc.get("cluster")
    if not isinstance(c, dict) or not isinstance(c.get("nodes"), list) or not c["nodes"]:
        raise Unsupported(f"{path}: [cluster] nodes = [...] missing")
    nodes = c["nodes"]
    if not 2 <= len(nodes) <= 16:
        raise Unsupported(f"{path}: the real harness runs 2 to 16 nodes, not {len(nodes)}")
    if "cib" in c:
        raise Unsupported(f"{path}: [cluster] cib is not supported by the real runner (use setup pcs lines)")
    if "explore" in doc:
        raise Unsupported(f"{path}: [explore] (random schedules) is not supported by the real runner")
    sc = {
        "name": doc.get("name", os.path.basename(path)),
        "nodes": nodes,
        "setup": c.get("setup", []),
        "duration_ms": duration_ms(doc.get("duration", "5m"), "duration"),
        "quorum": c.get("quorum", {}),
        "totem": c.get("totem", {}),
        "node_boot": doc.get("node_boot", {}),
        "faults": [],
        "expects": doc.get("expect", []),
        "network": doc.get("network", {}),
    }
    for i, f in enumerate(doc.get("fault", [])):
        where = f"fault #{i + 1}"
        acts = [k for k in FAULT_KEYS if k in f]
        if len(acts) != 1:
            raise Unsupported(f"{path}: {where}: exactly one action expected, got {acts}")
        f = dict(f)
        f["_at"] = duration_ms(f.get("at", "0s"), f"{where} at")
        f["_act"] = acts[0]
        f["_n"] = i + 1
        sc["faults"].append(f)
    sc["faults"].sort(key=lambda f: f["_at"])
    for i, e in enumerate(sc["expects"]):
        e["_n"] = i + 1
        if "at" in e:
            e["_at"] = duration_ms(e["at"], f"expect #{i + 1} at")
    return sc


def corosync_env(sc):
    """RC_* settings for the harness from [cluster.totem], [cluster.quorum], [node_boot]."""
    env = {}
    t = dict(sc["totem"])
    if "token" in t:
        env["RC_TOKEN"] = str(duration_ms(t.pop("token"), "cluster.totem.token"))
    totem = []
    for k in ("consensus", "join"):
        if k in t:
            totem.append(f"{k}: {duration_ms(t.pop(k), 'cluster.totem.' + k)}")
    if "token_retransmits_before_loss_const" in t:
        totem.append(f"token_retransmits_before_loss_const: {int(t.pop('token_retransmits_before_loss_const'))}")
    if "token_coefficient" in t:
        totem.append(f"token_coefficient: {duration_ms(t.pop('token_coefficient'), 'cluster.totem.token_coefficient')}")
    if t:
        raise Unsupported(f"[cluster.totem]: {sorted(t)} not supported by the real runner")
    env["RC_TOTEM_OPTS"] = ";".join(totem)
    q = dict(sc["quorum"])
    names = sc["nodes"]
    lines = []
    for k in ("two_node", "wait_for_all", "last_man_standing", "auto_tie_breaker"):
        if k in q:
            lines.append(f"{k}: {1 if q.pop(k) else 0}")
    if "expected_votes" in q:
        lines.append(f"expected_votes: {int(q.pop('expected_votes'))}")
    if "last_man_standing_window" in q:
        lines.append(f"last_man_standing_window: {duration_ms(q.pop('last_man_standing_window'), 'quorum window')}")
    if "auto_tie_breaker_node" in q:
        v = q.pop("auto_tie_breaker_node")
        if isinstance(v, list):
            v = " ".join(str(names.index(n) + 1) for n in v)
        lines.append(f"auto_tie_breaker_node: {v}")
    if q:
        raise Unsupported(f"[cluster.quorum]: {sorted(q)} not supported by the real runner")
    if sc["quorum"] or len(names) != 2:
        env["RC_QUORUM_OPTS"] = ";".join(lines)
    # a pacesim node boots `node_boot` after power-on; the harness boots RC_BOOT_DELAY after "on"
    nb = sc["node_boot"]
    env["RC_BOOT_DELAY"] = f"{duration_ms(nb.get('default', '30s'), 'node_boot.default') / 1000:g}"
    per = [f"{n}={duration_ms(v, 'node_boot.' + n) / 1000:g}" for n, v in nb.items() if n != "default"]
    env["RC_BOOT_DELAYS"] = " ".join(per)
    return env


# ---------------------------------------------------------------- the host
def precheck():
    """Root, namespaces and the real binaries, or Unsupported (exit 2)."""
    if os.geteuid() != 0:
        raise Unsupported("the real runner needs root (network/PID namespaces, mounts); run it as root")
    for b in ("ip", "unshare", "nsenter", "corosync", "pacemakerd", "pcs", "crm_mon", "flock"):
        if not shutil.which(b):
            raise Unsupported(f"{b} not found: needs iproute2, util-linux, corosync, pacemaker, pcs")
    probe = f"pacesim-probe-{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        raise Unsupported(f"cannot create a network namespace: {r.stderr.strip()}")
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    r = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "--mount", "true"], capture_output=True, text=True)
    if r.returncode != 0:
        raise Unsupported(f"cannot create PID/mount namespaces: {r.stderr.strip()}")
    busy = [n for n in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
            if re.fullmatch(r"rc-node\d+", n)]
    if busy:
        raise Unsupported(f"a real cluster is already up on this host (netns {' '.join(busy)}); one at a time")


class Real:
    """The harness, with every scenario node name mapped to a real one."""

    def __init__(self, sc, state, env, log):
        self.sc, self.state, self.log = sc, state, log
        self.env = dict(os.environ, RC_STATE=state, **env)
        self.real = {n: f"node{i + 1}" for i, n in enumerate(sc["nodes"])}
        self.up = False
        self.bg = []
        self.harness_agents = False

    def name(self, real):
        for k, v in self.real.items():
            if v == real:
                return k
        return real

    def sh(self, *args, timeout=120, check=True):
        self.log(f"$ cluster.sh {' '.join(args)}")
        r = subprocess.run([CLUSTER, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RunFailed(f"cluster.sh {' '.join(args)} failed ({r.returncode}): {(r.stderr or r.stdout).strip()[-500:]}")
        return r

    def background(self, *args):
        """A harness command that blocks (power_on sleeps the boot delay, pause its length)."""
        self.log(f"$ cluster.sh {' '.join(args)} &")
        self.bg.append(subprocess.Popen([CLUSTER, *args], env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL))

    def exec(self, node_real, cmd, timeout=30):
        """A shell command inside a real node; (rc, output)."""
        try:
            r = subprocess.run([CLUSTER, "exec", node_real, "sh", "-c", cmd], env=self.env, capture_output=True,
                               text=True, timeout=timeout)
            return r.returncode, r.stdout + r.stderr
        except subprocess.TimeoutExpired:
            return 124, f"timeout after {timeout}s"

    def bring_up(self):
        self.up = True
        self.sh("up", str(len(self.sc["nodes"])))

    def down(self):
        for p in self.bg:
            if p.poll() is None:
                p.kill()
        if self.up:
            subprocess.run([CLUSTER, "down"], env=self.env, capture_output=True, timeout=120)
            self.up = False

    def powered(self):
        out = self.sh("status", check=False).stdout
        on, frozen = set(), set()
        for line in out.splitlines():
            m = re.match(r"(node\d+) \S+ power=(\S+)(.*)", line)
            if m and m.group(2) == "on":
                on.add(m.group(1))
                if "crashed" in m.group(3) or "paused" in m.group(3):
                    frozen.add(m.group(1))
        return on, frozen

    def translate(self, cmd):
        """Scenario node names inside a pcs command → real names."""
        names = sorted(self.real, key=len, reverse=True)
        rx = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
        return rx.sub(lambda m: self.real[m.group(1)], cmd)


RSC_KEYWORDS = {"op", "meta", "clone", "promotable", "bundle", "--group", "--before", "--after", "--disabled",
                "--force", "--no-default-ops", "--wait", "--future"}


def harness_agents(cmd, nodes):
    """--harness-agents: a `pcs stonith create` becomes the harness's power switch
    (fence_nsswitch, the pcmk_* options kept, pcmk_host_map turned into the host list);
    a `pcs resource create` of an OCF agent not installed here becomes
    ocf:pacemaker:Dummy (its instance attributes dropped, op/meta/clone/group kept)."""
    try:
        w = shlex.split(cmd)
    except ValueError as e:
        raise Unsupported(f"setup line {cmd!r}: {e}")
    if w[:3] == ["pcs", "stonith", "create"] and len(w) > 4:
        out = w[:4] + ["fence_nsswitch"]
        for a in w[5:]:
            k, eq, v = a.partition("=")
            if k == "pcmk_host_map" and eq:
                hosts = [e.split(":")[0] for e in re.split(r"[;, ]+", v) if e]
                out.append("pcmk_host_list=" + " ".join(hosts))
            elif k.startswith("pcmk_") or not eq or a.startswith("-") or a in RSC_KEYWORDS:
                out.append(a)
        if "pcmk_host_list" not in " ".join(out) and "pcmk_host_map" not in cmd:
            out.append("pcmk_host_list=" + " ".join(nodes))
        if "--force" not in out:
            out.append("--force")
        return shlex.join(out)
    if w[:3] == ["pcs", "resource", "create"] and len(w) > 4:
        agent = w[4]
        parts = agent.split(":")
        if len(parts) == 3 and parts[0] == "ocf" and not os.path.exists(
                f"/usr/lib/ocf/resource.d/{parts[1]}/{parts[2]}"):
            pass
        elif agent in ("ocf:heartbeat:IPaddr2", "ocf:heartbeat:apache", "ocf:heartbeat:Filesystem",
                       "ocf:heartbeat:pgsql", "ocf:heartbeat:mysql", "ocf:heartbeat:nginx"):
            pass   # installed, but needs addresses, daemons or disks this host does not give a node
        else:
            return cmd
        out = w[:4] + ["ocf:pacemaker:Dummy"]
        i = 5
        while i < len(w) and w[i] not in RSC_KEYWORDS and "=" in w[i]:
            i += 1          # the agent's instance attributes
        return shlex.join(out + w[i:])
    return cmd


def crm_xml(real, node):
    rc, out = real.exec(node, "crm_mon -1 --output-as=xml", timeout=15)
    if rc != 0:
        return None
    try:
        return ET.fromstring(out[out.index("<"):])
    except (ValueError, ET.ParseError):
        return None


def current_dc(real, nodes):
    for n in nodes:
        x = crm_xml(real, n)
        if x is None:
            continue
        dc = x.find("./summary/current_dc")
        if dc is not None and dc.get("present") == "true":
            return dc.get("name")
    return None


# ---------------------------------------------------------------- the run
def run(args):
    sc = load(args.scenario)
    env = corosync_env(sc)
    for f in sc["faults"]:
        check_fault(sc, f)
    precheck()
    until = sc["duration_ms"] if args.until is None else min(sc["duration_ms"], duration_ms(args.until, "--until"))
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, "run.log"), "w")

    def log(msg):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        logf.write(line + "\n")
        logf.flush()
        if args.verbose:
            print(line, file=sys.stderr)

    env["RC_MAX_LIFETIME"] = str(int(until / 1000) + 900)   # nodes end by themselves even if we are killed
    real = Real(sc, args.state, env, log)
    real.harness_agents = args.harness_agents
    deadline = time.monotonic() + until / 1000 + 300        # the whole run, bounded
    notes = []
    snaps = []
    marks = {}
    try:
        real.bring_up()
        t_up = time.time()       # ~ the UP line; exact times come from events.log
        log(f"cluster up: {len(sc['nodes'])} nodes, env {json.dumps({k: v for k, v in env.items()})}")
        # the first DC
        dc = None
        while dc is None:
            if time.time() - t_up > 90:
                raise RunFailed("no DC 90 s after the cluster start")
            time.sleep(0.5)
            dc = current_dc(real, ["node1"])
        log(f"first DC: {dc}")
        if args.dc_as:
            if args.dc_as not in real.real:
                raise Unsupported(f"--dc-as {args.dc_as}: not a node of the scenario")
            other = real.name(dc)
            a = real.real[args.dc_as]
            real.real[args.dc_as], real.real[other] = dc, a
            log(f"--dc-as {args.dc_as}: node map {real.real}")
        notes.append(f"first DC: {real.name(dc)} (real {dc})")
        marks["setup_start"] = time.time()
        for cmd in sc["setup"]:
            if args.harness_agents:
                cmd = harness_agents(cmd, sc["nodes"])
            c = real.translate(cmd)
            rc, out = real.exec(dc, c, timeout=60)
            log(f"setup on {dc}: {c} -> {rc} {out.strip()[:300]}")
            if rc != 0:
                raise RunFailed(f"setup command failed on the real cluster: {c}: {out.strip()[:500]}")
        settle(real, dc, log)
        for spec in args.place:
            place(real, dc, spec, notes, log)
        t_ready = time.time() - t_up
        notes.append(f"configured and settled at {t_ready:.1f} s")
        # faults and point expectations, in time order (faults first at one instant)
        steps = [(f["_at"], 0, f) for f in sc["faults"]] + [(e["_at"], 1, e) for e in sc["expects"] if "_at" in e]
        steps.sort(key=lambda s: (s[0], s[1]))
        shift = 0.0      # when the real cluster is late for the first step, every later one moves with it
        for at, kind, item in steps:
            if at > until:
                break
            wait = t_up + shift + at / 1000 - time.time()
            if wait > 0:
                time.sleep(wait)
            elif -wait > 0.05:
                shift += -wait
                notes.append(f"{'fault' if kind == 0 else 'expect'} #{item['_n']} applied {-wait:.1f} s late "
                             f"(the real cluster was not configured by then); later steps moved by as much")
            if time.monotonic() > deadline:
                raise RunFailed("time bound reached")
            if kind == 0:
                apply_fault(real, sc, item, log)
            else:
                snaps.append((item, snapshot(real, sc)))
        rest = t_up + shift + until / 1000 - time.time()
        if rest > 0:
            time.sleep(rest)
    finally:
        # collect the logs, then always take the cluster down
        try:
            collect(args.state, args.out, sc)
        finally:
            real.down()
            log("cluster down")
    with open(os.path.join(args.out, "context.json"), "w") as fh:
        json.dump({"node_map": real.real, "notes": notes, "marks": marks,
                   "snaps": [(e["_n"], snap) for e, snap in snaps]}, fh, indent=1)
    return report(args, sc, real, notes, snaps, marks)


def report_only(args):
    """Re-derives timeline.json from a results folder's logs (after a change of the milestones)."""
    sc = load(args.scenario)
    ctx = json.load(open(os.path.join(args.out, "context.json")))
    real = Real(sc, args.state, {}, lambda m: None)
    real.real = ctx["node_map"]
    byn = {e["_n"]: e for e in sc["expects"]}
    snaps = [(byn[n], snap) for n, snap in ctx["snaps"]]
    return report(args, sc, real, ctx["notes"], snaps, ctx["marks"])


def settle(real, dc, log):
    rc, out = real.exec(dc, "crm_resource --wait --timeout=120s", timeout=150)
    log(f"settled: rc {rc} {out.strip()[:200]}")


def where(real, via, rsc):
    """Real nodes where a resource (or every member of a group) is active, per crm_mon on `via`."""
    x = crm_xml(real, via)
    if x is None:
        return None
    g = x.find(f".//group[@id='{rsc}']")
    rs = g.findall("resource") if g is not None else [r for r in x.iter("resource") if r.get("id") == rsc]
    if not rs:
        return None
    sets = [{n.get("name") for n in r.findall("node")} if r.get("active") == "true" else set() for r in rs]
    return set.intersection(*sets)


def place(real, dc, spec, notes, log):
    """--place RSC=NODE: move RSC to the scenario's NODE if the real cluster put it elsewhere
    (crm_resource --move, then --clear; the setup's stickiness must keep it there)."""
    rsc, _, node = spec.partition("=")
    if node not in real.real:
        raise Unsupported(f"--place {spec}: {node!r} is not a node of the scenario")
    target = real.real[node]
    now = where(real, dc, rsc)
    if now is None:
        raise RunFailed(f"--place {spec}: no resource or group {rsc!r} in the real cluster")
    if now == {target}:
        notes.append(f"{rsc} started on {node} by itself")
        return
    for cmd in (f"crm_resource --move -r {rsc} -N {target}", None, f"crm_resource --clear -r {rsc}", None):
        if cmd is None:
            settle(real, dc, log)
            continue
        rc, out = real.exec(dc, cmd)
        log(f"place: {cmd} -> {rc} {out.strip()[:200]}")
        if rc != 0:
            raise RunFailed(f"--place {spec}: {cmd} failed: {out.strip()[:300]}")
    time.sleep(2)
    settle(real, dc, log)
    now = where(real, dc, rsc)
    if now != {target}:
        raise RunFailed(f"--place {spec}: {rsc} is on {sorted(now or [])} after move and clear "
                        "(the setup needs resource-stickiness > 0 to keep it there)")
    notes.append(f"{rsc} moved to {node} (crm_resource --move, --clear)")


def check_fault(sc, f):
    a, v = f["_act"], f[f["_act"]]
    nodes = sc["nodes"]
    where = f"fault #{f['_n']} ({a})"

    def node(n):
        if n not in nodes:
            raise Unsupported(f"{where}: {n!r} is not a node of the scenario")

    if a in ("power_off", "power_on", "crash", "kill_stack", "restart", "standby", "unstandby", "pause"):
        node(v)
        if a == "pause":
            duration_ms(f.get("for", ""), f"{where} for")
    elif a == "partition":
        for grp in v:
            for n in grp:
                node(n)
    elif a == "link":
        if len(v) != 2:
            raise Unsupported(f"{where}: link = [a, b] expected")
        for n in v:
            node(n)
        if not (f.get("cut") or "loss" in f or "delay" in f):
            raise Unsupported(f"{where}: link needs cut, loss or delay")
    elif a == "fence_device":
        if f.get("fail") not in ("unreachable", "timeout", "refuse", "ok"):
            raise Unsupported(f"{where}: fail = unreachable|timeout|refuse|ok expected")
    elif a == "resource_fail":
        if f.get("op", "monitor") != "monitor" or f.get("rc", 7) != 7 or f.get("times", 1) != 1:
            raise Unsupported(f"{where}: the real runner fails only the next monitor with rc 7 "
                              "(the agent's state is removed); other ops/rc/times are not supported")
        node(f.get("node", ""))
    elif a in ("stop_cluster", "start_cluster", "recover"):
        raise Unsupported(f"{where}: {a} is not supported by the real runner (the nodes have no systemd)")


def apply_fault(real, sc, f, log):
    a, v = f["_act"], f[f["_act"]]
    R = real.real
    log(f"FAULT #{f['_n']} {a} {v}")
    if a == "power_off":
        real.sh("power_off", R[v])
    elif a == "power_on":
        real.background("power_on", R[v])
    elif a == "crash":
        real.sh("crash", R[v])
    elif a == "kill_stack":
        real.sh("kill_stack", R[v])
    elif a == "restart":
        real.sh("power_off", R[v])
        real.background("power_on", R[v])
    elif a == "pause":
        secs = duration_ms(f["for"], "pause for") / 1000
        real.background("pause", R[v], f"{secs:g}")
        time.sleep(0.2)
    elif a == "partition":
        groups = [list(g) for g in v]
        listed = {n for g in groups for n in g}
        groups += [[n] for n in sc["nodes"] if n not in listed]     # unlisted nodes are isolated
        real.sh("partition", *[",".join(R[n] for n in g) for g in groups])
    elif a == "heal":
        real.sh("heal")
    elif a == "link":
        x, y = R[v[0]], R[v[1]]
        if f.get("cut"):
            real.sh("link", x, y, "down")
        else:
            d = duration_ms(f.get("delay", "0ms"), "link delay")
            loss = float(f.get("loss", 0.0)) * 100
            real.sh("netem", x, y, str(d), f"{loss:g}")
    elif a == "fence_device":
        fault = os.path.join(real.state, "switch", "fault")
        word = {"refuse": "refuse", "timeout": "hang", "unreachable": "hang"}.get(f["fail"])
        if word:
            with open(fault, "w") as fh:
                fh.write(word + "\n")
        elif os.path.exists(fault):
            os.remove(fault)
        with open(os.path.join(real.state, "events.log"), "a") as fh:
            fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')}.{int(time.time() * 1000) % 1000:03d} "
                     f"SWITCHFAULT {v} {f['fail']}\n")
    elif a == "resource_fail":
        node = R[f["node"]]
        rsc = v
        # a group fails its first member (as pacesim does)
        rc, out = real.exec(node, "cibadmin -Q -o resources", timeout=20)
        try:
            xml = ET.fromstring(out[out.index("<resources"):])
            g = xml.find(f".//group[@id='{rsc}']")
            if g is not None:
                rsc = g.find("primitive").get("id")
        except (ValueError, ET.ParseError):
            pass
        rc, out = real.exec(node, f"rm -v /run/resource-agents/Dummy-{rsc}.state /run/Dummy-{rsc}.state 2>&1", 20)
        log(f"resource_fail {rsc} on {node}: {out.strip()}")
    elif a in ("standby", "unstandby"):
        up, _ = real.powered()
        via = next((n for n in sorted(up) if n != R[v]), R[v])
        real.exec(via, f"pcs node {a} {R[v]}")
    elif a == "pcs":
        up, frozen = real.powered()
        via = sorted(up - frozen)[0]
        if real.harness_agents:
            v = harness_agents(v, sc["nodes"])
        rc, out = real.exec(via, real.translate(v), timeout=60)
        log(f"pcs on {via}: {rc} {out.strip()[:300]}")


def snapshot(real, sc):
    """What a point expectation looks at, from the live nodes."""
    on, frozen = real.powered()
    live = sorted(on - frozen)
    snap = {"dc": {}, "quorate": [], "members": [], "running": {}}
    for n in live:
        rc, out = real.exec(n, "corosync-quorumtool -s; corosync-quorumtool -l -n 2>/dev/null", timeout=10)
        if rc not in (0, 1, 2):   # quorumtool exits 2 when not quorate
            continue
        if re.search(r"Quorate:\s+Yes", out):
            snap["quorate"].append(real.name(n))
        ids = re.findall(r"^\s+(\d+)\s+\d+\s+\S+", out, re.M)
        mem = sorted({real.name(f"node{i}") for i in ids})
        if mem and mem not in snap["members"]:
            snap["members"].append(mem)
        x = crm_xml(real, n)
        if x is not None:
            dc = x.find("./summary/current_dc")
            snap["dc"][real.name(n)] = real.name(dc.get("name")) if dc is not None and dc.get("present") == "true" else "none"
            for r in x.iter("resource"):
                if r.get("active") == "true":
                    for nn in r.findall("node"):
                        if nn.get("name") in live:
                            snap["running"].setdefault(r.get("id"), set()).add(real.name(nn.get("name")))
    snap["running"] = {k: sorted(v) for k, v in snap["running"].items()}
    return snap


def collect(state, out, sc):
    if not os.path.exists(os.path.join(state, "events.log")):
        return
    shutil.copy(os.path.join(state, "events.log"), out)
    for i in range(len(sc["nodes"])):
        n = f"node{i + 1}"
        d = os.path.join(out, "logs", n)
        os.makedirs(d, exist_ok=True)
        for rel in ("log-corosync/corosync.log", "log-pacemaker/pacemaker.log", "etc-corosync/corosync.conf"):
            src = os.path.join(state, "nodes", n, rel)
            if os.path.exists(src):
                shutil.copy(src, d)


# ---------------------------------------------------------------- what was seen
FAULT_LINE = {
    "power_off": r"POWER_OFF {n} \(SIGKILL", "crash": r"CRASH {n} \(SIGSTOP", "pause": r"PAUSE {n} ",
    "kill_stack": r"KILL_STACK {n} \(", "restart": r"POWER_OFF {n} \(SIGKILL", "power_on": r"POWER_ON {n} \(",
    "partition": r"PARTITION ", "heal": r"HEAL$", "link": r"(LINK|NETEM) ", "fence_device": r"SWITCHFAULT ",
}


def groups_of(sc):
    """Group → members in order, from the setup's `pcs resource create ... --group G` lines."""
    groups = {}
    for cmd in sc["setup"]:
        try:
            w = shlex.split(cmd)
        except ValueError:
            continue
        if w[:3] == ["pcs", "resource", "create"] and "--group" in w and len(w) > 3:
            i = w.index("--group")
            if i + 1 < len(w):
                groups.setdefault(w[i + 1], []).append(w[3])
    return groups


def report(args, sc, real, notes, snaps, marks):
    nodes_real = [f"node{i + 1}" for i in range(len(sc["nodes"]))]
    t_up, lines = MS.read_lines(args.out, nodes_real)
    evs, _ = MS.extract(lines, nodes_real)
    # the real instant of each fault: its harness line (else the tool's own clock)
    used = set()
    faults = []
    for f in sc["faults"]:
        a = f["_act"]
        v = f[a]
        pat = FAULT_LINE.get(a)
        t_real = None
        if pat:
            rx = re.compile(pat.format(n=re.escape(real.real.get(v, "")) if isinstance(v, str) else ""))
            for i, (t, src, kind, x) in enumerate(lines):
                if kind == "ev" and i not in used and rx.match(x) and t >= f["_at"] - 5000:
                    t_real = t
                    used.add(i)
                    break
        faults.append({"n": f["_n"], "at_ms": f["_at"], "real_ms": t_real, "what": f"{a} {v}"})
    # milestones: names mapped back to the scenario's
    def back(s):
        return re.sub(r"\bnode\d+\b", lambda m: real.name(m.group(0)), s)

    ms = []
    evs = MS.with_groups(evs, groups_of(sc))
    # one window per fault, from its real instant to the next fault's: keys numbered within it
    seen_faults = [f for f in faults if f["real_ms"] is not None]
    # before any fault, times are also kept from the first node's boot (pacesim's nodes start at 0;
    # the harness needs ~1-2 s after UP to build the namespaces)
    first_boot = min((t for t, src, kind, x in lines if kind == "ev" and x.startswith("BOOT ")), default=0)
    bounds = [(None, 0)] + [(f, f["real_ms"]) for f in seen_faults] + [(None, None)]
    for (f, start), (_, end) in zip(bounds, bounds[1:]):
        for m in MS.milestones(evs, start, end):
            m["key"] = back(m["key"])
            m["node"] = back(m["node"] or "")
            if f:
                m["fault"] = f["n"]
                m["after_fault_ms"] = m["t_ms"] - f["real_ms"]
                m["scenario_ms"] = f["at_ms"] + m["after_fault_ms"]    # on the scenario's clock
            else:
                m["fault"] = None
                m["scenario_ms"] = m["t_ms"]
                m["after_start_ms"] = m["t_ms"] - first_boot
            ms.append(m)
    verdicts = judge(sc, ms, snaps, faults)
    out = {
        "scenario": os.path.relpath(args.scenario), "name": sc["name"], "nodes": sc["nodes"],
        "node_map": real.real, "up": t_up.isoformat(timespec="milliseconds"), "notes": notes,
        "setup_ms": int(round((marks["setup_start"] - t_up.timestamp()) * 1000)) if "setup_start" in marks else None,
        "faults": faults, "milestones": ms, "verdicts": verdicts,
    }
    with open(os.path.join(args.out, "timeline.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"{sc['name']} (real cluster, node map {real.real})")
    for n in notes:
        print(f"  note: {n}")
    rows = [(f["real_ms"] or f["at_ms"], "FAULT", f"#{f['n']} {f['what']} (scheduled {f['at_ms'] / 1000:g}s)") for f in faults]
    rows += [(m["t_ms"], m["node"], m["key"] + (f"  (+{m['after_fault_ms'] / 1000:.3f}s after fault #{m['fault']})"
                                                 if m["fault"] else "")) for m in ms]
    for t, who, what in sorted(rows, key=lambda r: r[0]):
        print(f"{t / 1000:10.3f}  {who:8} {what}")
    bad = 0
    for v in verdicts:
        print(f"{v['verdict']:4} {v['what']}: {v['seen']}")
        bad += v["verdict"] == "FAIL"
    return 1 if bad else 0


def judge(sc, ms, snaps, faults):
    out = []
    for e, snap in snaps:
        for k in ("running", "dc", "quorate", "members"):
            if k not in e:
                continue
            want = e[k]
            if k == "dc":
                views = set(snap["dc"].values())
                seen = sorted(views)
                ok = seen == [want] if want != "none" else (not views or views == {"none"})
            elif k == "quorate":
                seen = sorted(snap["quorate"])
                ok = seen == sorted(want)
            elif k == "members":
                seen = sorted(snap["members"])
                ok = seen == sorted(sorted(g) for g in want)
            else:
                seen = {}
                ok = True
                for rsc, where in want.items():
                    have = snap["running"].get(rsc, [])
                    seen[rsc] = have or "stopped"
                    w = "stopped" if where == "stopped" else ([where] if isinstance(where, str) else where)
                    if isinstance(w, dict):
                        ok = None   # promotable roles: not judged
                        continue
                    if (w == "stopped" and have) or (w != "stopped" and sorted(w) != have):
                        ok = False
            out.append({"expect": e["_n"], "what": f"{k} at {e['at']} (expect #{e['_n']})", "seen": seen,
                        "verdict": "SKIP" if ok is None else ("PASS" if ok else "FAIL")})
    for e in sc["expects"]:
        kind = next((k for k in ("fenced", "recovered", "elected") if k in e), None)
        if not kind:
            continue
        subj = e[kind]
        if kind == "recovered":
            keys = [m for m in ms if m["key"].split(" #")[0] == f"started {subj}"]
        else:
            keys = [m for m in ms if m["key"].split(" #")[0] == f"{kind} {subj}" or
                    (kind == "elected" and m["key"].split(" #")[0] == "elected" and m["node"] == subj)]
        hits = []
        for m in keys:
            ok = True
            if "within" in e:
                if m["fault"] is None:
                    base = 0
                else:
                    base = m["t_ms"] - m["after_fault_ms"]
                ok = m["t_ms"] - base <= duration_ms(e["within"], "within")
            if "by" in e:
                ok = ok and m["scenario_ms"] <= duration_ms(e["by"], "by")
            if ok:
                hits.append(m)
        never = e.get("never", False)
        ok = (not hits) if never else bool(hits)
        what = f"{'never ' if never else ''}{kind} {subj}" + "".join(f" {k} {e[k]}" for k in ("within", "by") if k in e)
        seen = ", ".join(f"{m['key']} at {m['scenario_ms'] / 1000:.3f}s" for m in keys) or "not seen"
        out.append({"expect": e["_n"], "what": f"{what} (expect #{e['_n']})", "seen": seen,
                    "verdict": "PASS" if ok else "FAIL"})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--out", default=None, help="results folder (default ./real-<scenario name>)")
    ap.add_argument("--dc-as", default=None, metavar="NODE",
                    help="map scenario node NODE to whichever real node becomes the first DC (swapping names)")
    ap.add_argument("--place", action="append", default=[], metavar="RSC=NODE",
                    help="before the first fault, move RSC to NODE if the real cluster placed it elsewhere")
    ap.add_argument("--harness-agents", action="store_true",
                    help="fence devices become the harness's power switch, OCF agents needing what a node "
                         "here lacks (IPaddr2, apache, ...) become Dummy (for scenarios/ files)")
    ap.add_argument("--until", default=None, help="stop earlier than the file's duration (e.g. 2m)")
    ap.add_argument("--state", default="/var/tmp/pacesim-real", help="the harness's state folder (a disk)")
    ap.add_argument("--report-only", action="store_true",
                    help="no run: re-derive timeline.json from the logs already in --out")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.out is None:
        args.out = "real-" + os.path.splitext(os.path.basename(args.scenario))[0]

    def on_signal(sig, frame):
        raise KeyboardInterrupt(f"signal {sig}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        sys.exit(report_only(args) if args.report_only else run(args))
    except Unsupported as e:
        print(f"realrun: {e}", file=sys.stderr)
        sys.exit(2)
    except RunFailed as e:
        print(f"realrun: the real run failed: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt as e:
        print(f"realrun: interrupted ({e}); the cluster was taken down", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
