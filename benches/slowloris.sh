#!/usr/bin/env bash
# Slow-client (slowloris) check of the release server on loopback (security plan §3 C1, C2;
# recipes R4 and R5).
#
# Starts the server with --header-timeout 5 (other limits default: 512 connections) and:
#   1. slowhttptest (Debian) opens 800 connections that send their headers slowly and never
#      finish them (-H -c 800 -r 200 -i 10 -x 24 -p 3 -l 40), for at most 40 s; meanwhile a
#      normal client asks /api/search every 2 s and the server's open fds are sampled every
#      second. Prints whether the service stayed available (slowhttptest's own probe and the
#      normal client's answers and latency), when all slow connections were closed, and fds
#      before, at the peak and after.
#   2. Two raw-socket slow clients (python): one sends half a request head and goes quiet,
#      one keeps sending a header byte every second; prints when the server closed each.
#
#     benches/slowloris.sh           # about 1 minute
#
# Settings (environment): CONNECTIONS (800), TEST_SECONDS (40), HEADER_TIMEOUT (5),
# OUT (/tmp/slowloris.json). Installs slowhttptest with apt-get if missing. Traffic goes to
# 127.0.0.1 only; every loop is bounded; everything started here is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
CONNECTIONS=${CONNECTIONS:-800}
TEST_SECONDS=${TEST_SECONDS:-40}
HEADER_TIMEOUT=${HEADER_TIMEOUT:-5}
OUT=${OUT:-/tmp/slowloris.json}
BIN=$ROOT/target/release/candidate-security

# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"
command -v slowhttptest >/dev/null || apt_install slowhttptest
command -v python3 >/dev/null || apt_install python3
command -v curl >/dev/null || apt_install curl

log "building the release binary"
cargo build --release --quiet
# The commit the binary was built from (others may commit while this runs).
COMMIT=$(git rev-parse HEAD)

WORK=$(mktemp -d /tmp/slowloris.XXXXXX)
SRV=""
BG=""
cleanup() {
    set +e
    for pid in $BG $SRV; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# slowhttptest needs a descriptor per connection.
ulimit -n 4096 2>/dev/null || true

"$BIN" --bind 127.0.0.1:0 --rate-limit 0 --header-timeout "$HEADER_TIMEOUT" 2>"$WORK/server.log" &
SRV=$!
BASE=""
for _ in $(seq 1 2000); do
    kill -0 "$SRV" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    [ -n "$BASE" ] || BASE=$(grep -o -m1 'http://127\.0\.0\.1:[0-9]*' "$WORK/server.log" || true)
    if [ -n "$BASE" ] && curl -fs -o /dev/null "$BASE/readyz"; then break; fi
    sleep 0.01
done
PORT=${BASE##*:}
sleep 1
FDS_BEFORE=$(fds "$SRV")
log "server at $BASE (pid $SRV), header timeout ${HEADER_TIMEOUT}s, $FDS_BEFORE fds"

# --- 1. slowhttptest ------------------------------------------------------------------------------
WINDOW=$((TEST_SECONDS + 15))
# fds every second
(
    for i in $(seq 0 "$WINDOW"); do
        echo "$i,$(fds "$SRV")"
        sleep 1
    done
) >"$WORK/fds.csv" &
BG="$BG $!"
# a normal client every 2 s: status code and seconds taken (5 s at most)
(
    for i in $(seq 0 2 "$WINDOW"); do
        r=$(curl -s -m 5 -o /dev/null -w '%{http_code},%{time_total}' "$BASE/api/search?q=slow+clients" || true)
        echo "$i,${r:-000,5}"
        sleep 2
    done
) >"$WORK/probe.csv" &
BG="$BG $!"

log "slowhttptest: $CONNECTIONS slow-header connections for at most ${TEST_SECONDS}s"
T0=$(date +%s)
timeout $((TEST_SECONDS + 30)) slowhttptest -H -c "$CONNECTIONS" -r 200 -i 10 -x 24 -p 3 \
    -l "$TEST_SECONDS" -u "$BASE/api/search?q=a" -g -o "$WORK/slow" >"$WORK/slowhttptest.out" 2>&1 || true
SLOW_WALL=$(($(date +%s) - T0))
# let the samplers finish their window, then the clients stop by themselves
for pid in $BG; do wait "$pid" 2>/dev/null || true; done
BG=""
FDS_AFTER=$(fds "$SRV")
kill -0 "$SRV" 2>/dev/null && ALIVE=yes || ALIVE=no

# --- 2. raw-socket slow clients ----------------------------------------------------------------------
log "raw-socket slow clients"
python3 - "$PORT" >"$WORK/raw.json" <<'PY'
import json, socket, sys, threading, time
port = int(sys.argv[1])
results = {}

def quiet():
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(30)
    s.sendall(b"GET /api/search?q=a HTTP/1.1\r\nHost: 127.0.0.1\r\n")   # never finish the head
    t = time.time()
    try:
        got = s.recv(200)
        results["half_head_then_quiet"] = dict(closed_after_s=round(time.time() - t, 2),
                                               received=got.split(b"\r\n")[0].decode() or "<EOF>")
    except socket.timeout:
        results["half_head_then_quiet"] = dict(closed_after_s=None, received="STILL OPEN after 30 s")

def drip():
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(1.5)
    s.sendall(b"GET /api/search?q=a HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    t = time.time()
    sent = 0
    while time.time() - t < 30:
        try:
            s.sendall(b"X")                       # one byte of a header that never ends
            sent += 1
            got = s.recv(200)
            results["one_byte_per_second"] = dict(closed_after_s=round(time.time() - t, 2),
                                                  bytes_sent=sent,
                                                  received=got.split(b"\r\n")[0].decode() or "<EOF>")
            return
        except socket.timeout:
            continue                              # nothing back yet: send another byte
        except OSError as e:
            results["one_byte_per_second"] = dict(closed_after_s=round(time.time() - t, 2),
                                                  bytes_sent=sent, received=repr(e))
            return
    results["one_byte_per_second"] = dict(closed_after_s=None, bytes_sent=sent,
                                          received="STILL OPEN after 30 s")

threads = [threading.Thread(target=f) for f in (quiet, drip)]
for t in threads: t.start()
for t in threads: t.join(40)
print(json.dumps(results))
PY

# --- report ---------------------------------------------------------------------------------------------
python3 - "$WORK" "$OUT" <<PY
import csv, json, re, sys
work, out = sys.argv[1], sys.argv[2]
text = open(f"{work}/slowhttptest.out", errors="replace").read()
text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
rows = []
with open(f"{work}/slow.csv") as f:
    for r in csv.DictReader(f):
        r = {k.strip().lower(): v.strip() for k, v in r.items() if k}
        rows.append(dict(s=int(r["seconds"]), closed=int(r["closed"]), pending=int(r["pending"]),
                         connected=int(r["connected"]), available=r["service available"]))
peak = max(rows, key=lambda r: r["connected"]) if rows else None
peak_s = peak["s"] if peak else 0
exit_status = re.findall(r"[Ee]xit status: *([^\n]*)", text)
# slowhttptest writes its CSV once a second and stops writing when it exits; "No open
# connections left" means every slow connection was closed by then (its run time).
all_closed = next((r["s"] for r in rows if r["s"] > peak_s and r["connected"] == 0 and r["pending"] == 0), None)
if all_closed is None and exit_status and "no open connections" in exit_status[-1].lower():
    all_closed = $SLOW_WALL
# "Service Available" is the connection count (the height of the band in its chart) while
# its probe is answered, and 0 when it is not.
unavailable = [r["s"] for r in rows if r["available"] in ("0", "") or r["available"].lower().startswith("n")]
probe = [l.strip().split(",") for l in open(f"{work}/probe.csv") if l.strip()]
probe = [dict(s=int(a), code=c, seconds=float(t)) for a, c, t in probe]
fd_samples = [tuple(int(x) for x in l.split(",")) for l in open(f"{work}/fds.csv") if l.strip()]
fd_peak_at = max(fd_samples, key=lambda s: s[1])[0] if fd_samples else 0
fds_back_at = next((t for t, n in fd_samples if t > fd_peak_at and n <= $FDS_BEFORE + 5), None)
raw = json.load(open(f"{work}/raw.json"))
result = dict(
    commit="$COMMIT", cores=$(nproc), connections=$CONNECTIONS, test_seconds=$TEST_SECONDS,
    header_timeout_s=$HEADER_TIMEOUT, max_connections=512, slowhttptest_wall_s=$SLOW_WALL,
    slowhttptest_exit_status=exit_status[-1] if exit_status else None,
    peak_connected=peak["connected"] if peak else None, peak_at_s=peak_s,
    all_slow_connections_closed_at_s=all_closed,
    slowhttptest_seconds_unavailable=unavailable,
    probe=probe, probe_failures=sum(1 for p in probe if p["code"] != "200"),
    probe_max_s=max((p["seconds"] for p in probe), default=None),
    fds=dict(before=$FDS_BEFORE, peak=max((s[1] for s in fd_samples), default=None), peak_at_s=fd_peak_at,
             back_to_baseline_at_s=fds_back_at, after=$FDS_AFTER),
    fd_samples=fd_samples, server_alive_after="$ALIVE", raw_clients=raw, slowhttptest_rows=rows,
)
json.dump(result, open(out, "w"), indent=1)
r = result
print(f"commit {r['commit'][:12]}; {r['cores']} cores shared by server and slowhttptest; header timeout {r['header_timeout_s']} s, max connections 512")
print(f"slowhttptest -H -c {r['connections']} -l {r['test_seconds']}: exit status \"{r['slowhttptest_exit_status']}\" after {r['slowhttptest_wall_s']} s; "
      f"peak {r['peak_connected']} connected at {r['peak_at_s']} s; all slow connections closed at "
      f"{str(r['all_slow_connections_closed_at_s']) + ' s' if r['all_slow_connections_closed_at_s'] is not None else 'NOT within the test'}")
print(f"  slowhttptest's probe: service available {'YES throughout' if not unavailable else 'NO at ' + ', '.join(map(str, unavailable)) + ' s'}")
print(f"  normal client every 2 s: {len(probe) - r['probe_failures']}/{len(probe)} answered 200, slowest {r['probe_max_s']:.2f} s")
print(f"  server fds: before {r['fds']['before']}, peak {r['fds']['peak']} at {r['fds']['peak_at_s']} s, back to baseline (+5) at "
      f"{r['fds']['back_to_baseline_at_s']} s, after {r['fds']['after']}; server alive: {r['server_alive_after']}")
print(f"  (fds and the normal client are timed from their own start, about 0.1 s before slowhttptest's)")
for name, v in raw.items():
    print(f"raw slow client ({name.replace('_', ' ')}): closed after "
          f"{('%.1f s' % v['closed_after_s']) if v['closed_after_s'] is not None else 'NEVER (30 s)'}, received {v['received']!r}")
print(f"raw figures: {out}")
PY
