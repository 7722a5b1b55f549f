#!/usr/bin/env bash
# Side-by-side server figures for ranking by meaning (issue 15): an OLD release binary (built
# before the semantic model) against this tree's release binary, in one run, alternating.
#
#     OLD=/tmp/old-candidate-security benches/semantic-compare.sh
#
# Make OLD with `git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release)`.
# For each binary: start-up from exec to the first 200 on /readyz (median of STARTS), resident
# memory when idle, then /api/search over the dev and paraphrase queries (URL-encoded, rotated)
# with wrk at 64 connections (DURATION seconds, ROUNDS rounds, old and new taking turns),
# brotli accepted as a browser would. Prints medians and new/old ratios. Needs wrk
# (`apt-get install wrk`), curl and python3; traffic stays on 127.0.0.1.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"
OLD=${OLD:?set OLD to the old release binary}
NEW=${NEW:-$ROOT/target/release/candidate-security}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
STARTS=${STARTS:-15}
CONNS=${CONNS:-64}
SETS=${SETS:-dev-queries}
WRK_THREADS=${WRK_THREADS:-1}
export WRK_ENCODING=${ENCODING:-}

WORK=$(mktemp -d /tmp/semantic-compare.XXXXXX)
SRV=""
cleanup() {
    set +e
    [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

python3 - "$ROOT" "$WORK/api.paths" "$SETS" <<'PY'
import sys, urllib.parse
root, out, sets = sys.argv[1], sys.argv[2], sys.argv[3]
with open(out, "w") as paths:
    for name in sets.split():
        for n, line in enumerate(open(f"{root}/tests/relevance/{name}.tsv", encoding="utf-8")):
            if n == 0 or not line.strip():
                continue
            paths.write("/api/search?q=%s\n" % urllib.parse.quote_plus(line.split("\t")[0]))
PY

cat >"$WORK/rotate.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local encoding = os.getenv("WRK_ENCODING")
if encoding and #encoding > 0 then wrk.headers["Accept-Encoding"] = encoding end
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function done(summary, latency, requests)
  io.write(string.format("WRK %.1f %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), summary.errors.status))
end
LUA

# start BIN → sets SRV and BASE, prints the start-up time in ms
start() {
    local port start_ns ready_ns
    port=$(free_port)
    BASE=http://127.0.0.1:$port
    start_ns=$(date +%s%N)
    "$1" --bind "127.0.0.1:$port" --rate-limit 0 --log-level warn 2>>"$WORK/server.log" &
    SRV=$!
    until curl -fs -o /dev/null "$BASE/readyz"; do
        kill -0 "$SRV" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
        sleep 0.002
    done
    ready_ns=$(date +%s%N)
    echo $(((ready_ns - start_ns) / 1000000))
}
stop() { kill "$SRV"; wait "$SRV" 2>/dev/null || true; SRV=""; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for which in old new; do : >"$WORK/$which.start"; : >"$WORK/$which.rss"; : >"$WORK/$which.wrk"; done
echo "start-up and idle memory ($STARTS starts each, alternating)"
for _ in $(seq 1 "$STARTS"); do
    for which in old new; do
        bin=$OLD; [ "$which" = new ] && bin=$NEW
        start "$bin" >>"$WORK/$which.start"
        sleep 0.3
        awk '/^VmRSS:/ {print $2}' "/proc/$SRV/status" >>"$WORK/$which.rss"
        stop
    done
done
echo "/api/search ($SETS; Accept-Encoding: ${WRK_ENCODING:-none}) at $CONNS connections, ${DURATION} s × $ROUNDS rounds each"
for _ in $(seq 1 "$ROUNDS"); do
    for which in old new; do
        bin=$OLD; [ "$which" = new ] && bin=$NEW
        start "$bin" >/dev/null
        WRK_PATHS=$WORK/api.paths wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" -s "$WORK/rotate.lua" "$BASE" |
            awk '/^WRK/ {print $2, $3, $4, $5}' >>"$WORK/$which.wrk"
        stop
    done
done

printf '\n%-34s %12s %12s %8s\n' "" old new "new/old"
row() { printf '%-34s %12s %12s %8s\n' "$1" "$2" "$3" "$(python3 -c "print(f'{$3/$2:.2f}x')")"; }
row "start-up to /readyz, median ms" "$(median <"$WORK/old.start")" "$(median <"$WORK/new.start")"
row "idle RSS, median KiB" "$(median <"$WORK/old.rss")" "$(median <"$WORK/new.rss")"
row "/api/search req/s, median" "$(cut -d' ' -f1 "$WORK/old.wrk" | median)" "$(cut -d' ' -f1 "$WORK/new.wrk" | median)"
row "/api/search p50 µs, median" "$(cut -d' ' -f2 "$WORK/old.wrk" | median)" "$(cut -d' ' -f2 "$WORK/new.wrk" | median)"
row "/api/search p99 µs, median" "$(cut -d' ' -f3 "$WORK/old.wrk" | median)" "$(cut -d' ' -f3 "$WORK/new.wrk" | median)"
echo "HTTP errors: old $(cut -d' ' -f4 "$WORK/old.wrk" | paste -sd+ | bc), new $(cut -d' ' -f4 "$WORK/new.wrk" | paste -sd+ | bc)"
