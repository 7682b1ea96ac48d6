#!/usr/bin/env python3
"""Groups differential mismatches (target/differential/seed-N.{exp,got}) into
classes by what differs; prints per class: count, seeds where it is the only
class, smallest seed. Usage: diff-classes.py [DIR]"""
import re, sys, os, glob, collections

D = sys.argv[1] if len(sys.argv) > 1 else "target/differential"

def norm(t):
    out = []
    for l in t.splitlines():
        l = l.replace("ocf::", "ocf:")
        l = l.replace("Masters:", "Promoted:", 1).replace("Slaves:", "Unpromoted:", 1)
        l = re.sub(r" Master( |\[|$)", r" Promoted\1", l, count=1)
        l = l.replace(" Slave ", " Unpromoted ", 1)
        l = " ".join(l.split())
        if l:
            out.append(l)
    return out

def sections(lines):
    s = collections.OrderedDict()
    cur = "pre"
    s[cur] = []
    for l in lines:
        if l in ("Current cluster status:", "Transition Summary:", "Executing Cluster Transition:", "Revised Cluster Status:"):
            cur = l.rstrip(":")
            s[cur] = []
        else:
            s[cur].append(l)
    return s

def ts_kind(l):
    m = re.match(r"\* (\w+)", l)
    return m.group(1) if m else l

def classify(exp, got):
    tags = set()
    if got and got[0].startswith("pacesim error"):
        return {"pacesim-error"}
    E, G = sections(exp), sections(got)
    for sec in ("Current cluster status", "Revised Cluster Status"):
        e, g = E.get(sec, []), G.get(sec, [])
        if e != g:
            short = "status" if sec.startswith("Current") else "revised"
            em, gm = [l for l in e if l not in g], [l for l in g if l not in e]
            if not em and not gm:
                tags.add(f"{short}:order")
            for l in em + gm:
                if "Node List" in l or l.startswith("* Node ") or l.startswith("* Online") or l.startswith("* OFFLINE") or "standby" in l.lower() and "Node" in l:
                    tags.add(f"{short}:node-list")
                elif "FAILED" in l:
                    tags.add(f"{short}:FAILED-state")
                elif "unmanaged" in l or "blocked" in l:
                    tags.add(f"{short}:unmanaged/blocked")
                elif "Stopped" in l:
                    tags.add(f"{short}:stopped-vs-started")
                elif "Started" in l:
                    tags.add(f"{short}:placement")
                else:
                    tags.add(f"{short}:other")
    e, g = E.get("Transition Summary", []), G.get("Transition Summary", [])
    if e != g:
        em, gm = [l for l in e if l not in g], [l for l in g if l not in e]
        if not em and not gm:
            tags.add("ts:order")
        # pair lines by resource name
        def key(l):
            m = re.match(r"\* (\w+)\s+(\S+)", l)
            return m.group(2) if m else l
        ek = {key(l): l for l in em}
        gk = {key(l): l for l in gm}
        for k in sorted(set(ek) | set(gk)):
            a, b = ek.get(k), gk.get(k)
            if a and b:
                ka, kb = ts_kind(a), ts_kind(b)
                if ka == "Fence" and kb == "Fence":
                    ra = re.search(r"'(.*)'", a); rb = re.search(r"'(.*)'", b)
                    sa = re.sub(r"^\S+ failed there", "<rsc> failed there", ra.group(1)) if ra else "?"
                    sb = re.sub(r"^\S+ failed there", "<rsc> failed there", rb.group(1)) if rb else "?"
                    tags.add(f"ts:fence-reason[{sa} vs {sb}]")
                elif ka == kb and ("due to" in a) != ("due to" in b):
                    tags.add(f"ts:{ka}-reason-suffix" + ("-missing" if "due to" in a else "-extra"))
                elif ka == kb:
                    tags.add(f"ts:{ka}-different-nodes")
                else:
                    tags.add(f"ts:{ka}-vs-{kb}")
            elif a:
                tags.add(f"ts:missing-{ts_kind(a)}")
            else:
                tags.add(f"ts:extra-{ts_kind(b)}")
    e, g = E.get("Executing Cluster Transition", []), G.get("Executing Cluster Transition", [])
    if e != g:
        ce, cg = collections.Counter(e), collections.Counter(g)
        em = list((ce - cg).elements()); gm = list((cg - ce).elements())
        if not em and not gm:
            tags.add("exec:order-only")
        for l in em + gm:
            side = "missing" if l in em else "extra"
            if re.match(r"\* Pseudo action: +\S+_(stopped|running|start|stop)_0$", l):
                m = re.match(r"\* Pseudo action: +\S+_(stopped|running|start|stop)_0$", l)
                tags.add(f"exec:{side}-group-pseudo-{m.group(1)}")
            elif l.startswith("* Pseudo action:"):
                tags.add(f"exec:{side}-pseudo")
            elif l.startswith("* Cluster action:"):
                tags.add(f"exec:{side}-cluster-action")
            elif l.startswith("* Fencing"):
                tags.add(f"exec:{side}-fencing")
            elif re.search(r"monitor on ", l):
                tags.add(f"exec:{side}-probe")
            elif re.search(r"monitor=\d+ on", l):
                tags.add(f"exec:{side}-recurring-monitor")
            else:
                m = re.search(r"Resource action: +\S+ +(\w+)", l)
                tags.add(f"exec:{side}-{m.group(1) if m else 'other'}")
    # If only execution order/pseudo issues, mark
    return tags or {"whitespace?"}

res = {}
for f in sorted(glob.glob(os.path.join(D, "seed-*.exp")), key=lambda p: int(re.search(r"seed-(\d+)", p).group(1))):
    seed = int(re.search(r"seed-(\d+)", f).group(1))
    exp = norm(open(f).read())
    got = norm(open(f[:-4] + ".got").read())
    res[seed] = classify(exp, got)

cnt = collections.Counter(); only = collections.Counter(); smallest = {}
for seed, tags in res.items():
    for t in tags:
        cnt[t] += 1
        smallest.setdefault(t, seed)
    if len(tags) == 1:
        only[next(iter(tags))] += 1
print(f"{len(res)} mismatches")
print(f"{'count':>5} {'only':>5} {'min-seed':>8}  class")
for t, c in cnt.most_common():
    print(f"{c:5d} {only[t]:5d} {smallest[t]:8d}  {t}")
if "-v" in sys.argv:
    for seed, tags in res.items():
        print(seed, " ".join(sorted(tags)))

# ---- features of the input CIBs, per class (which situations trigger it)
import xml.etree.ElementTree as ET
def features(seed):
    t = ET.parse(os.path.join(D, f"seed-{seed}.xml")).getroot()
    f = set()
    for nv in t.iter("nvpair"):
        if nv.get("name") == "stonith-enabled" and nv.get("value") == "true":
            f.add("stonith")
        if nv.get("name") == "shutdown":
            f.add("shutdown")
        if nv.get("name") == "standby":
            f.add("standby")
        if nv.get("name") == "is-managed":
            f.add("unmanaged")
        if nv.get("name") == "target-role" and nv.get("value") == "Stopped":
            f.add("target-stopped")
    if t.find(".//group") is not None:
        f.add("group")
    for ns in t.iter("node_state"):
        if ns.get("in_ccm") == "false" and ns.get("expected") == "member":
            f.add("node-lost")
        if ns.get("in_ccm") == "true" and ns.get("crmd") == "offline":
            f.add("crmd-down")
    for op in t.iter("lrm_rsc_op"):
        if op.get("id").endswith("_last_failure_0"):
            f.add("failed-" + op.get("operation"))
    return f

if "-f" in sys.argv:
    allf = collections.Counter()
    for seed in res:
        for x in features(seed):
            allf[x] += 1
    print("\nfeature share among all mismatches:", {k: f"{100*v//len(res)}%" for k, v in sorted(allf.items())})
    for t, c in cnt.most_common():
        if c < 3:
            continue
        fc = collections.Counter()
        for seed, tags in res.items():
            if t in tags:
                for x in features(seed):
                    fc[x] += 1
        common = [k for k, v in fc.items() if v == c]
        print(f"{t}: in all {c}: {sorted(common)}")

# ---- greedy: fixing which classes gains most full-equal seeds
if "-g" in sys.argv:
    fixed = set(); remaining = dict(res)
    print("\ngreedy fix order (class -> seeds that become equal):")
    while True:
        best, gain = None, 0
        for t in cnt:
            if t in fixed: continue
            g = sum(1 for tags in remaining.values() if tags <= fixed | {t})
            if g > gain: best, gain = t, g
        if not best: break
        fixed.add(best)
        done = [s for s, tags in remaining.items() if tags <= fixed]
        for s in done: del remaining[s]
        print(f"  +{gain:4d}  {best}")
