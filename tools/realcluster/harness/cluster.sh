#!/bin/bash
# cluster.sh - run a real Pacemaker 2.1.5 + Corosync 3.1.7 cluster on one Linux
# host, one node per set of Linux namespaces (net, mount, pid, uts, ipc).
# Must run as root.  Vendored from ../shared/realcluster (see
# tools/realcluster/README.md) with these additions for scenario files:
# RC_TOTEM_OPTS / RC_QUORUM_OPTS ("key: value" lines, ';'-separated; with
# RC_QUORUM_OPTS set, two_node is no longer added for N=2 by itself),
# RC_BOOT_DELAYS ("node2=5 node3=7": per-node boot delay), and the commands
# `link A B up|down` (cut or restore one pair) and `netem A B DELAY_MS LOSS_PCT`.
set -u
TOOLS=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
S=${RC_STATE:-/tmp/realcluster}          # runtime state ("disks", logs, sockets)
NET=${RC_NET:-192.0.2}                    # TEST-NET-1; node i = $NET.i
NSP=rc-                                   # netns name prefix: rc-node1 ...

ts()    { date '+%F %T.%3N'; }
event() { mkdir -p "$S"; echo "$(ts) $*" >>"$S/events.log"; echo "$(ts) $*" >&2; }
die()   { echo "cluster.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"

load_config() {
    [ -f "$S/config" ] || die "no cluster state in $S (run: cluster.sh up N)"
    # shellcheck disable=SC1091
    . "$S/config"
}
idx()   { local n=${1#node}; [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$N" ] || die "bad node '$1' (node1..node$N)"; echo "$n"; }
nodes() { local i; for i in $(seq 1 "$N"); do echo "node$i"; done; }

# host PID of the node's init (PID 1 of its pid namespace), empty if powered off
init_pid() {
    local f=$S/run/$1.pid pid
    [ -f "$f" ] || return 1
    pid=$(cat "$f")
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    [ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] || return 1
    # must be our node-init (guard against pid reuse)
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "node-init.sh $1 " || return 1
    echo "$pid"
}
is_on() { init_pid "$1" >/dev/null; }

blocked() {   # blocked i j -> true if the pair is cut by a partition
    [ -f "$S/partition" ] && grep -qxE "($1 $2|$2 $1)" "$S/partition"
}
# a node owns one veth end per peer: rc<i>-<j> in netns rc-node<i>.
# end up  <=> node powered on and pair not partitioned.
apply_links() {
    local i=$1 j st
    for j in $(seq 1 "$N"); do
        [ "$j" = "$i" ] && continue
        if is_on "node$i" && ! blocked "$i" "$j"; then st=up; else st=down; fi
        ip -n "${NSP}node$i" link set dev "rc$i-$j" "$st" || echo "warn: link rc$i-$j $st failed" >&2
        # admin-down flushes the routes of a device: put them back on up
        [ $st = up ] && route_to "$i" "$j"
    done
}
# the same, but ignoring the power state (used right before booting a node)
links_up_for_boot() {
    local i=$1 j
    for j in $(seq 1 "$N"); do
        [ "$j" = "$i" ] && continue
        blocked "$i" "$j" && continue
        ip -n "${NSP}node$i" link set dev "rc$i-$j" up
        route_to "$i" "$j"
    done
}
route_to() { ip -n "${NSP}node$1" route replace "$NET.$2/32" dev "rc$1-$2" src "$NET.$1"; }

opts_lines() {   # "k: v;k: v" -> indented lines
    local IFS=';' kv
    for kv in $1; do [ -n "$kv" ] && echo "    $kv"; done
}

write_corosync_conf() {
    local f=$1 i
    {
        echo "totem {"
        echo "    version: 2"
        echo "    cluster_name: rccluster"
        echo "    transport: $TRANSPORT"
        if [ "$TRANSPORT" = knet ]; then
            echo "    crypto_cipher: aes256"
            echo "    crypto_hash: sha256"
        fi
        echo "    token: $TOKEN"
        opts_lines "${TOTEM_OPTS:-}"
        echo "}"
        echo "nodelist {"
        for i in $(seq 1 "$N"); do
            echo "    node {"
            echo "        ring0_addr: $NET.$i"
            echo "        name: node$i"
            echo "        nodeid: $i"
            echo "    }"
        done
        echo "}"
        echo "quorum {"
        echo "    provider: corosync_votequorum"
        if [ "${QUORUM_SET:-0}" = 1 ]; then opts_lines "$QUORUM_OPTS"
        else [ "$N" = 2 ] && echo "    two_node: 1"; fi
        echo "}"
        echo "logging {"
        echo "    to_logfile: yes"
        echo "    logfile: /var/log/corosync/corosync.log"
        echo "    to_stderr: no"
        echo "    to_syslog: no"
        echo "    timestamp: hires"
        echo "    debug: off"
        echo "}"
    } >"$f"
}

cmd_up() {
    local n=${1:-3} i j
    [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] && [ "$n" -le 16 ] || die "up N: N must be 2..16"
    if [ -f "$S/config" ]; then
        ( . "$S/config"; for i in $(seq 1 "$N"); do ip netns list | grep -qw "${NSP}node$i" && exit 1; done; exit 0 ) \
            || die "a cluster is already up (run: cluster.sh down)"
    fi
    rm -rf "$S"; mkdir -p "$S/run" "$S/switch" "$S/nodes"
    N=$n
    cat >"$S/config" <<CFG
N=$n
TRANSPORT=${RC_TRANSPORT:-knet}
TOKEN=${RC_TOKEN:-3000}
BOOT_DELAY=${RC_BOOT_DELAY:-5}
TOTEM_OPTS='${RC_TOTEM_OPTS:-}'
QUORUM_OPTS='${RC_QUORUM_OPTS:-}'
QUORUM_SET=${RC_QUORUM_OPTS+1}
BOOT_DELAYS='${RC_BOOT_DELAYS:-}'
CFG
    . "$S/config"
    event "UP $N nodes transport=$TRANSPORT token=$TOKEN boot_delay=$BOOT_DELAY state=$S"
    corosync-keygen -l -k "$S/authkey" >/dev/null 2>&1 || dd if=/dev/urandom of="$S/authkey" bs=256 count=1 2>/dev/null
    chmod 0400 "$S/authkey"
    for i in $(seq 1 "$N"); do
        local D=$S/nodes/node$i
        mkdir -p "$D"/{etc-corosync,var-lib-corosync,log-corosync,var-lib-pcsd}
        install -d -m 0750 -o hacluster -g haclient "$D/var-lib-pacemaker"
        install -d -m 0750 -o hacluster -g haclient "$D/var-lib-pacemaker"/{cib,pengine,blackbox,cores}
        install -d -m 0770 -o hacluster -g haclient "$D/log-pacemaker"
        cp -a /etc/corosync/uidgid.d "$D/etc-corosync/" 2>/dev/null || mkdir -p "$D/etc-corosync/uidgid.d"
        install -m 0400 "$S/authkey" "$D/etc-corosync/authkey"
        write_corosync_conf "$D/etc-corosync/corosync.conf"
        ip netns add "${NSP}node$i" || die "ip netns add ${NSP}node$i"
        ip -n "${NSP}node$i" link set lo up
        ip -n "${NSP}node$i" addr add "$NET.$i/32" dev lo
    done
    # full mesh of veth pairs; a partition = some pair ends set down
    for i in $(seq 1 "$N"); do
        for j in $(seq $((i + 1)) "$N"); do
            ip link add "rc$i-$j" netns "${NSP}node$i" type veth peer name "rc$j-$i" netns "${NSP}node$j" \
                || die "veth rc$i-$j"
        done
    done
    : >"$S/partition"
    # host-side power switch daemon (the fence agent talks to it over a unix socket)
    ( cd / && exec setsid /usr/bin/python3 "$TOOLS/switchd.py" "$S" "$TOOLS" ) </dev/null >>"$S/switchd.log" 2>&1 &
    echo $! >"$S/run/switchd.pid"
    local -a bp=()
    for i in $(seq 1 "$N"); do cmd_power_on "node$i" 0 & bp+=($!); done
    wait "${bp[@]}"
    cmd_status
}

node_boot_delay() {   # the node's own boot delay (RC_BOOT_DELAYS), else BOOT_DELAY
    local kv
    for kv in ${BOOT_DELAYS:-}; do [ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return; }; done
    echo "$BOOT_DELAY"
}

cmd_power_on() {
    local node=$1 delay=${2:-$(node_boot_delay "$1")} i upid pid k
    i=$(idx "$node")
    if is_on "$node"; then event "POWER_ON $node: already on"; return 0; fi
    event "POWER_ON $node (boot delay ${delay}s)"
    sleep "$delay"
    exec 9>"$S/run/$node.lock"; flock -w 30 9 || die "lock $node"
    if is_on "$node"; then event "BOOT $node: already on"; exec 9>&-; return 0; fi
    links_up_for_boot "$i"
    ( cd / && exec setsid nsenter --net="/run/netns/${NSP}$node" -- \
        unshare --mount --uts --ipc --pid --fork --kill-child --mount-proc --propagation private -- \
        "$TOOLS/node-init.sh" "$node" "$S" "$TOOLS" ) 9>&- </dev/null >>"$S/nodes/$node/console.log" 2>&1 &
    upid=$!
    pid=
    for k in $(seq 1 100); do      # <= 10 s
        for c in $(cat "/proc/$upid/task/$upid/children" 2>/dev/null); do
            if [ "$(readlink "/proc/$c/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]; then pid=$c; fi
        done
        [ -n "$pid" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] || { exec 9>&-; die "could not find init of $node"; }
    echo "$pid" >"$S/run/$node.pid"
    # wait until node-init is exec'd (cmdline check in init_pid)
    for k in $(seq 1 50); do is_on "$node" && break; sleep 0.1; done
    event "BOOT $node (init host pid $pid)"
    exec 9>&-
}

cmd_power_off() {
    local node=$1 i pid nsid k
    i=$(idx "$node")
    exec 9>"$S/run/$node.lock"; flock -w 30 9 || die "lock $node"
    if ! pid=$(init_pid "$node"); then event "POWER_OFF $node: already off"; exec 9>&-; return 0; fi
    nsid=$(readlink "/proc/$pid/ns/pid")
    event "POWER_OFF $node (SIGKILL init host pid $pid + all its pid namespace; links down)"
    kill -9 "$pid"       # also kills stopped (crashed/paused) processes
    rm -f "$S/run/$node.pid" "$S/run/$node.frozen"
    apply_links "$i"
    # wait until no process of that pid namespace is left (bounded)
    for k in $(seq 1 100); do
        local left=0 p
        for p in /proc/[0-9]*; do
            [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$nsid" ] && { left=1; break; }
        done
        [ $left = 0 ] && break
        sleep 0.1
    done
    [ $left = 0 ] || echo "warn: processes of $node still alive after 10 s" >&2
    event "POWER_OFF $node done"
    exec 9>&-
}

# ---- process-level faults (crash / pause / kill_stack) -------------------
# pid-namespace id of a node ("pid:[4026...]"), empty if powered off
ns_id() { local pid; pid=$(init_pid "$1") || return 1; readlink "/proc/$pid/ns/pid"; }
# host PIDs of every process of pid namespace $1, sorted (init first)
ns_pids() {
    local pat=${1//[/\\[}; pat=${pat//]/\\]}
    find /proc/[0-9]*/ns/pid -maxdepth 0 -lname "$pat" 2>/dev/null | cut -d/ -f3 | sort -n
}
# SIGSTOP every process of pid namespace $1 (init $2 first); re-scan until all
# are stopped (state T) and no new process appeared (forks racing the scan)
freeze_ns() {
    local nsid=$1 init=$2 k p s pids left
    kill -STOP "$init" 2>/dev/null
    pids=$(ns_pids "$nsid"); [ -n "$pids" ] && kill -STOP $pids 2>/dev/null
    for k in $(seq 1 40); do                  # <= ~2 s
        left=0
        for p in $(ns_pids "$nsid"); do
            s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
            s=${s##*) }; s=${s%% *}
            case $s in T|t|Z|X) ;; *) left=1; kill -STOP "$p" 2>/dev/null ;; esac
        done
        [ $left = 0 ] && break
        sleep 0.05
    done
    [ $left = 0 ] || echo "warn: some processes of $nsid not stopped" >&2
    ns_pids "$nsid" | wc -l
}
thaw_ns() { local pids; pids=$(ns_pids "$1"); [ -n "$pids" ] && kill -CONT $pids 2>/dev/null; echo "$pids" | grep -c .; }

cmd_crash() {   # kernel panic / hard hang: everything stops, power and links stay on
    local node=$1 pid nsid n
    idx "$node" >/dev/null
    exec 9>"$S/run/$node.lock"; flock -w 30 9 || die "lock $node"
    pid=$(init_pid "$node") || { event "CRASH $node: powered off"; exec 9>&-; return 1; }
    nsid=$(readlink "/proc/$pid/ns/pid")
    event "CRASH $node (SIGSTOP every process of its pid namespace, init host pid $pid; links stay up)"
    n=$(freeze_ns "$nsid" "$pid")
    echo "crashed $nsid" >"$S/run/$node.frozen"
    event "CRASH $node done ($n processes stopped)"
    exec 9>&-
}

cmd_pause() {   # SIGSTOP the whole node, SIGCONT after SECONDS (unless it was power-cycled meanwhile)
    local node=$1 secs=$2 pid nsid n
    idx "$node" >/dev/null
    [[ $secs =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "pause NODE SECONDS"
    pid=$(init_pid "$node") || { event "PAUSE $node: powered off"; return 1; }
    nsid=$(readlink "/proc/$pid/ns/pid")
    event "PAUSE $node ${secs}s (SIGSTOP every process of its pid namespace, init host pid $pid)"
    n=$(freeze_ns "$nsid" "$pid")
    echo "paused $nsid" >"$S/run/$node.frozen"
    event "PAUSE $node stopped ($n processes)"
    local st0; st0=$(cut -d' ' -f22 "/proc/$pid/stat")      # init start time (guards pid reuse)
    sleep "$secs"
    # only the processes of the paused incarnation: a fenced+rebooted node has a new
    # init (the pid-namespace inode number itself can be reused by the new node)
    n=0
    if [ "$(init_pid "$node")" = "$pid" ] && [ "$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null)" = "$st0" ]; then
        n=$(thaw_ns "$nsid")
    fi
    if [ "$n" -gt 0 ]; then
        event "RESUME $node (SIGCONT $n processes)"
    else
        event "RESUME $node: nothing to resume (the paused incarnation is gone: power-cycled)"
    fi
    [ "$n" -gt 0 ] && rm -f "$S/run/$node.frozen"
    return 0
}

cmd_thaw() {    # SIGCONT a crashed node (not physical; for manual experiments)
    local node=$1 nsid n
    nsid=$(ns_id "$node") || die "$node is powered off"
    n=$(thaw_ns "$nsid"); rm -f "$S/run/$node.frozen"
    event "THAW $node (SIGCONT $n processes)"
}

cmd_kill_stack() {  # only the cluster stack dies: SIGKILL corosync (pacemakerd reacts by itself)
    local node=$1 nsid p c k=""
    nsid=$(ns_id "$node") || die "$node is powered off"
    for p in $(ns_pids "$nsid"); do
        c=$(cat "/proc/$p/comm" 2>/dev/null)
        [ "$c" = corosync ] && k="$k $p"
    done
    [ -n "$k" ] || { event "KILL_STACK $node: no corosync process"; return 1; }
    event "KILL_STACK $node (SIGKILL corosync host pid$k)"
    kill -9 $k
}

cmd_partition() {
    [ $# -ge 2 ] || die "usage: partition GROUP GROUP... (group = node1,node2)"
    local -a grp=("$@") a b x y i
    : >"$S/partition.new"
    for a in $(seq 0 $(($# - 1))); do
        for b in $(seq $((a + 1)) $(($# - 1))); do
            for x in ${grp[$a]//,/ }; do
                for y in ${grp[$b]//,/ }; do
                    echo "$(idx "$x") $(idx "$y")" >>"$S/partition.new"
                done
            done
        done
    done
    mv "$S/partition.new" "$S/partition"
    event "PARTITION $* (cut pairs: $(tr '\n' ';' <"$S/partition"))"
    for i in $(seq 1 "$N"); do apply_links "$i"; done
}

cmd_link() {    # link A B up|down: restore or cut one pair (kept apart from partitions until heal)
    local a b
    a=$(idx "$1") || exit 1; b=$(idx "$2") || exit 1
    case $3 in
        down) grep -qxE "($a $b|$b $a)" "$S/partition" || echo "$a $b" >>"$S/partition" ;;
        up)   grep -vxE "($a $b|$b $a)" "$S/partition" >"$S/partition.new"; mv "$S/partition.new" "$S/partition" ;;
        *) die "link A B up|down" ;;
    esac
    event "LINK $1 $2 $3"
    apply_links "$a"; apply_links "$b"
}

cmd_netem() {   # netem A B DELAY_MS LOSS_PCT: both directions of one pair (0 0 removes it)
    local a b d=$3 l=$4
    a=$(idx "$1") || exit 1; b=$(idx "$2") || exit 1
    event "NETEM $1 $2 delay=${d}ms loss=${l}%"
    for p in "$a $b" "$b $a"; do
        set -- $p
        tc -n "${NSP}node$1" qdisc del dev "rc$1-$2" root 2>/dev/null
        if [ "$d" != 0 ] || [ "$l" != 0 ]; then
            tc -n "${NSP}node$1" qdisc add dev "rc$1-$2" root netem delay "${d}ms" loss "${l}%" || echo "warn: tc netem rc$1-$2" >&2
        fi
    done
}

cmd_heal() {
    local i j
    for i in $(seq 1 "$N"); do for j in $(seq 1 "$N"); do
        [ "$i" != "$j" ] && tc -n "${NSP}node$i" qdisc del dev "rc$i-$j" root 2>/dev/null
    done; done
    : >"$S/partition"
    event "HEAL"
    local i; for i in $(seq 1 "$N"); do apply_links "$i"; done
}

cmd_exec() {
    local node=$1 pid; shift
    idx "$node" >/dev/null
    pid=$(init_pid "$node") || die "$node is powered off"
    [ $# -gt 0 ] || set -- /bin/bash
    exec nsenter -t "$pid" -m -u -i -n -p -- /usr/bin/env -i \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
        /bin/sh -c 'cd / && exec "$@"' sh "$@"
}

cmd_status() {
    local n pid i j
    for n in $(nodes); do
        i=$(idx "$n")
        if pid=$(init_pid "$n"); then st="on  (init host pid $pid)"; else st="off"; fi
        if [ -n "$pid" ] && [ -f "$S/run/$n.frozen" ] && grep -qF "$(readlink "/proc/$pid/ns/pid")" "$S/run/$n.frozen"; then
            st="$st $(cut -d' ' -f1 "$S/run/$n.frozen")"
        fi
        local l=""
        for j in $(seq 1 "$N"); do
            [ "$j" = "$i" ] && continue
            l="$l rc$i-$j:$(ip -n "${NSP}$n" -br link show dev "rc$i-$j" 2>/dev/null | awk '{print $2}')"
        done
        echo "$n $NET.$i power=$st links:$l"
    done
    [ -s "$S/partition" ] && echo "partition cut pairs: $(tr '\n' ';' <"$S/partition")"
    return 0
}

cmd_down() {
    local n i pid
    for n in $(nodes); do
        if pid=$(init_pid "$n"); then kill -9 "$pid"; fi
        rm -f "$S/run/$n.pid"
    done
    if [ -f "$S/run/switchd.pid" ]; then
        pid=$(cat "$S/run/switchd.pid")
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q switchd.py; then kill "$pid"; fi
        rm -f "$S/run/switchd.pid"
    fi
    sleep 0.5
    for i in $(seq 1 "$N"); do ip netns del "${NSP}node$i" 2>/dev/null; done
    event "DOWN (logs kept in $S/nodes/*/log-*)"
}

usage() {
    cat <<U
usage: cluster.sh up N | down | status | exec NODE CMD... | power_off NODE |
       power_on NODE [DELAY_S] | partition A,B C | heal | log NODE |
       crash NODE | thaw NODE | pause NODE SECONDS | kill_stack NODE |
       link A B up|down | netem A B DELAY_MS LOSS_PCT
env: RC_STATE (default /tmp/realcluster) RC_TRANSPORT (knet|udpu) RC_TOKEN (ms, 3000)
     RC_BOOT_DELAY (s, 5) RC_NET (192.0.2)
U
    exit 2
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case $cmd in
    up)        cmd_up "$@" ;;
    down)      load_config; cmd_down ;;
    status)    load_config; cmd_status ;;
    exec)      load_config; [ $# -ge 1 ] || usage; cmd_exec "$@" ;;
    power_off) load_config; [ $# -eq 1 ] || usage; cmd_power_off "$1" ;;
    power_on)  load_config; [ $# -ge 1 ] || usage; cmd_power_on "$@" ;;
    partition) load_config; cmd_partition "$@" ;;
    heal)      load_config; cmd_heal ;;
    crash)     load_config; [ $# -eq 1 ] || usage; cmd_crash "$1" ;;
    thaw)      load_config; [ $# -eq 1 ] || usage; cmd_thaw "$1" ;;
    pause)     load_config; [ $# -eq 2 ] || usage; cmd_pause "$1" "$2" ;;
    kill_stack) load_config; [ $# -eq 1 ] || usage; cmd_kill_stack "$1" ;;
    link)      load_config; [ $# -eq 3 ] || usage; cmd_link "$@" ;;
    netem)     load_config; [ $# -eq 4 ] || usage; cmd_netem "$@" ;;
    log)       load_config; idx "$1" >/dev/null; cat "$S/nodes/$1/log-pacemaker/pacemaker.log" ;;
    *)         usage ;;
esac
