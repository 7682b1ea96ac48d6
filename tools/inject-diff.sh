#!/bin/bash
# Differential of crm_simulate's injection options on corpus CIBs: runs pacesim and
# crm_simulate with one injection each (MODE: fail down up noquorum inject
# injectfail opfail) and counts equal normalised outputs.
# usage: tools/inject-diff.sh [TEST-LIST] MODE
S=${SHARED:-$(cd "$(dirname "$0")/../../shared/pacemaker" && pwd)}
BIN=${BIN:-$(cd "$(dirname "$0")/.." && pwd)/target/release/pacesim}
list=${1:-$S/tiers/tier-le-2.txt}
mkdir -p ${OUT:-/tmp/inject-diff}
mode=$2
norm() { sed -E -e 's/ocf::/ocf:/g' -e 's/Masters:/Promoted:/' -e 's/Slaves:/Unpromoted:/' -e 's/ Master( |\[|$)/ Promoted\1/' -e 's/ Slave / Unpromoted /'; }
pass=0; fail=0; : > ${OUT:-/tmp/inject-diff}/fails-$mode.txt
for t in $(cat $list); do
  x=$S/scheduler/xml/$t.xml
  node=$(grep -o '<node [^>]*uname="[^"]*"' $x | head -1 | sed 's/.*uname="\([^"]*\)".*/\1/')
  [ -z "$node" ] && continue
  rsc=$(grep -o '<primitive [^>]*id="[^"]*"' $x | head -1 | sed 's/.* id="\([^"]*\)".*/\1/; s/^<primitive id="\([^"]*\)".*/\1/')
  case $mode in
    fail) args="-f $node";;
    down) args="-d $node";;
    up) args="-u $node";;
    noquorum) args="-q false";;
    inject) args="-i ${rsc}_monitor_0@$node=0";;
    injectfail) args="-i ${rsc}_monitor_10000@$node=7";;
    opfail) args="-F ${rsc}_start_0@$node=1";;
  esac
  (cd ${OUT:-/tmp/inject-diff}; timeout 20 crm_simulate -x $x -S $args 2>/dev/null | norm > ${OUT:-/tmp/inject-diff}/$t.$mode.exp)
  timeout 20 $BIN simulate -x $x -S $args 2>/dev/null | norm > ${OUT:-/tmp/inject-diff}/$t.$mode.got
  if diff -u --ignore-all-space --ignore-blank-lines ${OUT:-/tmp/inject-diff}/$t.$mode.exp ${OUT:-/tmp/inject-diff}/$t.$mode.got > ${OUT:-/tmp/inject-diff}/$t.$mode.diff; then pass=$((pass+1)); else fail=$((fail+1)); echo $t >> ${OUT:-/tmp/inject-diff}/fails-$mode.txt; fi
done
echo "$mode: $pass / $((pass+fail))"
