#!/usr/bin/env bash
# Soak and graceful-shutdown check of the release server on loopback (security plan §3 F4, G1;
# recipes R6 and R11).
#
# 1. Soak: DURATION seconds of mixed load at a fixed RATE (open loop, oha): 70 % /api/search
#    over the queries of tests/relevance/dev-queries.tsv, 30 % pages and hashed assets (the
#    URLs the home page links to, every guidance page). The load runs as consecutive
#    60-second oha runs, so latency can be compared minute by minute. VmRSS and open fds of
#    the server are sampled every 10 s. Prints RSS at the start, at minute 5 and at the end,
#    fds, total requests, status codes, errors and p50/p99 for the first and last minutes.
# 2. Graceful shutdown: a closed-loop load run on /api/search and one slow request (a POST
#    /search whose body takes 4 s to arrive), SIGTERM after 2 s: prints the exit code and the
#    time to exit (bound: the 10 s grace), the slow request's status, whether new connections
#    were refused, and the load generator's errors.
#
#     benches/soak.sh                       # 10 minutes (+ ~20 s for the shutdown check)
#     DURATION=300 benches/soak.sh          # 5 minutes
#
# Settings (environment): DURATION (600), RATE (200 req/s), OUT (/tmp/soak.json),
# SHUTDOWN_DELAY (2: the server's --shutdown-delay in the shutdown check; during it /readyz
# answers 503 and responses close their connections, then new connections are refused).
# Without oha it falls back to wrk with 2 connections (closed loop: not a fixed rate; the
# per-minute split and p99.9 are then unavailable). Traffic goes to 127.0.0.1 only; every loop
# is bounded; everything started here is stopped on exit. The load generator shares the
# machine's cores with the server.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-600}
RATE=${RATE:-200}
SHUTDOWN_DELAY=${SHUTDOWN_DELAY:-2}
OUT=${OUT:-/tmp/soak.json}
CHUNK=60
BIN=$ROOT/target/release/candidate-security
export PATH="$PATH:/usr/sbin:$HOME/.cargo/bin"

# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }
if command -v oha >/dev/null; then
    TOOL=oha
else
    TOOL=wrk
    command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
    log "oha not found: falling back to wrk with 2 connections (closed loop)"
fi

log "building the release binary"
cargo build --release --quiet
# The commit the binary was built from (others may commit while this runs).
COMMIT=$(git rev-parse HEAD)

WORK=$(mktemp -d /tmp/soak.XXXXXX)
SRV=""
SAMPLER=""
LOAD=""
cleanup() {
    set +e
    for pid in $LOAD $SAMPLER $SRV; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# start_server LOGFILE [ARGS...]: start on a free port, wait for /readyz; sets SRV and BASE.
start_server() {
    local logfile=$1
    shift
    "$BIN" --bind 127.0.0.1:0 --rate-limit 0 "$@" 2>"$logfile" &
    SRV=$!
    BASE=""
    for _ in $(seq 1 2000); do
        kill -0 "$SRV" 2>/dev/null || { cat "$logfile" >&2; exit 1; }
        [ -n "$BASE" ] || BASE=$(grep -o -m1 'http://127\.0\.0\.1:[0-9]*' "$logfile" || true)
        if [ -n "$BASE" ] && curl -fs -o /dev/null "$BASE/readyz"; then return 0; fi
        sleep 0.01
    done
    log "the server never became ready"
    exit 1
}

# --- 1. soak ------------------------------------------------------------------------------------
start_server "$WORK/server.log"
log "server at $BASE (pid $SRV)"

# The URL mix: 7 searches for every 3 pages or assets (oha picks a line at random per request).
curl -fs "$BASE/" >"$WORK/home.html"
curl -fs "$BASE/api/documents" >"$WORK/documents.json"
python3 - "$ROOT/tests/relevance/dev-queries.tsv" "$WORK" "$BASE" <<'PY'
import json, re, sys, urllib.parse
queries, work, base = sys.argv[1:]
qs = [l.split("\t")[0].strip() for n, l in enumerate(open(queries, encoding="utf-8"))
      if n and l.strip() and not l.startswith("#")]
html = open(f"{work}/home.html", encoding="utf-8").read()
pages = ["/", "/about", "/privacy", "/manifest.webmanifest", "/sw.js"]
pages += sorted(set(re.findall(r'(/assets/[^"\s]+\.[0-9a-f]{16}\.[a-z]+)', html)))
pages += [d["url"] for d in json.load(open(f"{work}/documents.json"))["documents"]]
api = ["/api/search?q=" + urllib.parse.quote_plus(q) for q in qs]
mix = [(api[i % len(api)] if i % 10 < 7 else pages[i % len(pages)]) for i in range(1000)]
open(f"{work}/mix.paths", "w").write("\n".join(mix) + "\n")
open(f"{work}/mix.urls", "w").write("\n".join(base + p for p in mix) + "\n")
open(f"{work}/api.paths", "w").write("\n".join(api) + "\n")
print(f"{len(qs)} queries, {len(pages)} pages and assets", file=sys.stderr)
PY
while read -r p; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$p")
    [ "$code" = 200 ] || { log "$p answered $code"; exit 1; }
done < <(sort -u "$WORK/mix.paths")

# Sample RSS and fds every 10 s until told to stop (bounded by the run's length).
SAMPLES=$WORK/samples.csv
(
    t0=$(date +%s)
    for _ in $(seq 0 $((DURATION / 10 + 30))); do
        [ -e "$WORK/stop-sampling" ] && break
        echo "$(($(date +%s) - t0)),$(rss_kib "$SRV"),$(fds "$SRV"),$(cut -d' ' -f1 /proc/loadavg)"
        sleep 10
    done
) >"$SAMPLES" &
SAMPLER=$!

LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "soak: ${DURATION}s at $RATE req/s with $TOOL"
if [ "$TOOL" = oha ]; then
    left=$DURATION
    i=0
    while [ "$left" -gt 0 ]; do
        d=$CHUNK
        [ "$left" -lt "$d" ] && d=$left
        timeout $((d + 60)) oha -q "$RATE" -c 16 -z "${d}s" --latency-correction --no-tui \
            --output-format json --urls-from-file "$WORK/mix.urls" >"$WORK/chunk-$(printf %03d $i).json"
        left=$((left - d))
        i=$((i + 1))
    done
else
    cat >"$WORK/rotate.lua" <<'LUA'
local paths, n = {}, 0
for line in io.lines(os.getenv("WRK_PATHS")) do if #line > 0 then paths[#paths + 1] = line end end
function request() n = n + 1; return wrk.format("GET", paths[(n % #paths) + 1]) end
function done(s, l)
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"socket_errors":%d,"http_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    s.requests, s.duration, s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout,
    s.errors.status, l:percentile(50), l:percentile(99)))
end
LUA
    WRK_PATHS=$WORK/mix.paths timeout $((DURATION + 60)) wrk -t1 -c2 -d"${DURATION}s" \
        -s "$WORK/rotate.lua" "$BASE" | grep '^WRKJSON ' | sed 's/^WRKJSON //' >"$WORK/wrk.json"
fi
LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 1
echo "$((DURATION + 1)),$(rss_kib "$SRV"),$(fds "$SRV"),$(cut -d' ' -f1 /proc/loadavg)" >"$WORK/final.csv"
touch "$WORK/stop-sampling"
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
SAMPLER=""
cat "$WORK/final.csv" >>"$SAMPLES"
SOAK_SERVER_ERRORS=$(grep -c -e ' ERROR ' -e ' WARN ' "$WORK/server.log" || true)
kill -TERM "$SRV"
wait "$SRV" || true
SRV=""

# --- 2. graceful shutdown under load ----------------------------------------------------------------
log "graceful shutdown: SIGTERM during a load run"
start_server "$WORK/server2.log" --shutdown-delay "$SHUTDOWN_DELAY"
PORT=${BASE##*:}
sed "s|^|$BASE|" "$WORK/api.paths" >"$WORK/api.urls" # this server's port
if [ "$TOOL" = oha ]; then
    timeout 60 oha -c 32 -z 8s --no-tui --output-format json --urls-from-file "$WORK/api.urls" \
        >"$WORK/shutdown-load.json" 2>/dev/null &
else
    WRK_PATHS=$WORK/mix.paths timeout 60 wrk -t1 -c32 -d8s -s "$WORK/rotate.lua" "$BASE" \
        >"$WORK/shutdown-load.txt" 2>&1 &
fi
LOAD=$!
# One request still in flight at the signal: a form POST whose body arrives over 4 s.
python3 - "$PORT" >"$WORK/slow-request.txt" <<'PY' &
import socket, sys, time
body = b"q=" + b"someone+posted+my+address"[:24]
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"POST /search HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          b"Content-Type: application/x-www-form-urlencoded\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body))
t0 = time.time()
for i in range(0, len(body), 2):       # 2 bytes every 0.33 s: about 4 s in all
    s.sendall(body[i:i + 2])
    time.sleep(4 / (len(body) / 2))
try:
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"</html>" in data:
            break
    status = data.split(b"\r\n", 1)[0].decode() or "<closed, no response>"
except Exception as e:
    status = "error: %r" % e
print(f"{status}|{time.time() - t0:.2f}")
PY
SLOW=$!
sleep 2
T0=$(date +%s%N)
kill -TERM "$SRV"
sleep 0.2
READYZ_DRAINING=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$BASE/readyz" || true)
sleep "$SHUTDOWN_DELAY"
sleep 0.2
REFUSED=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$BASE/readyz" || true)
set +e
wait "$SRV"
EXIT_CODE=$?
set -e
T1=$(date +%s%N)
SRV=""
SHUTDOWN_MS=$(((T1 - T0) / 1000000))
wait "$SLOW" || true
wait "$LOAD" || true
LOAD=""
SHUTDOWN_LOG_TAIL=$(tail -n 3 "$WORK/server2.log" | sed 's/\x1b\[[0-9;]*m//g')

# --- report -------------------------------------------------------------------------------------------
python3 - "$WORK" "$OUT" <<PY
import glob, json, os, sys
work, out = sys.argv[1], sys.argv[2]
# seconds, VmRSS KiB, open fds, 1-minute load average of the machine
samples = [tuple(int(x) for x in l.split(",")[:3]) + (float(l.split(",")[3]),)
           for l in open(f"{work}/samples.csv") if l.strip()]
tool = "$TOOL"
chunks = []
for f in sorted(glob.glob(f"{work}/chunk-*.json")):
    d = json.load(open(f))
    s, p = d["summary"], d["latencyPercentiles"]
    codes = {str(k): v for k, v in (d.get("statusCodeDistribution") or {}).items()}
    errors = dict(d.get("errorDistribution") or {})
    aborted = errors.pop("aborted due to deadline", 0)
    chunks.append(dict(rps=s["requestsPerSec"], p50_ms=p["p50"] * 1e3, p99_ms=p["p99"] * 1e3,
                       p999_ms=p["p99.9"] * 1e3, max_ms=s["slowest"] * 1e3, codes=codes,
                       errors=errors, aborted_at_end=aborted))
codes, errors = {}, {}
for c in chunks:
    for k, v in c["codes"].items(): codes[k] = codes.get(k, 0) + v
    for k, v in c["errors"].items(): errors[k] = errors.get(k, 0) + v
wrk = json.load(open(f"{work}/wrk.json")) if os.path.exists(f"{work}/wrk.json") else None
total = sum(codes.values()) + sum(errors.values()) if chunks else (wrk or {}).get("requests", 0)
non2xx = sum(v for k, v in codes.items() if not k.startswith("2")) if chunks else (wrk or {}).get("http_errors")
sock = sum(errors.values()) if chunks else (wrk or {}).get("socket_errors")

def at(sec):
    return min(samples, key=lambda s: abs(s[0] - sec))
start, end = samples[0], samples[-1]
m5 = at(300) if $DURATION >= 360 else None
shutdown_load = {}
if os.path.exists(f"{work}/shutdown-load.json"):
    d = json.load(open(f"{work}/shutdown-load.json"))
    shutdown_load = dict(status_codes={str(k): v for k, v in (d.get("statusCodeDistribution") or {}).items()},
                         errors=d.get("errorDistribution") or {})
slow_status, _, slow_s = open(f"{work}/slow-request.txt").read().strip().partition("|")
result = dict(
    commit="$COMMIT", cores=$(nproc), tool=tool, duration_s=$DURATION, rate=$RATE,
    loadavg_before="$LOADAVG_BEFORE", loadavg_after="$LOADAVG_AFTER",
    total_requests=total, status_codes=codes, non_2xx=non2xx, socket_errors=sock, errors=errors,
    aborted_at_chunk_ends=sum(c["aborted_at_end"] for c in chunks),
    server_error_or_warn_log_lines=int("$SOAK_SERVER_ERRORS" or 0),
    rss_kib=dict(start=start[1], minute5=m5[1] if m5 else None, end=end[1], max=max(s[1] for s in samples)),
    fds=dict(start=start[2], end=end[2], min=min(s[2] for s in samples), max=max(s[2] for s in samples)),
    minutes=chunks, wrk=wrk, samples=samples,
    shutdown=dict(exit_code=$EXIT_CODE, ms_from_sigterm_to_exit=$SHUTDOWN_MS, grace_s=10,
                  delay_s=$SHUTDOWN_DELAY, readyz_200ms_after_sigterm="$READYZ_DRAINING",
                  new_connection_after_sigterm="$REFUSED", slow_request=slow_status,
                  slow_request_s=float(slow_s or 0), load=shutdown_load, server_log_tail="""$SHUTDOWN_LOG_TAIL"""),
)
json.dump(result, open(out, "w"), indent=1)

r = result
print(f"commit {r['commit'][:12]}; {r['cores']} cores shared by server and load generator; load average {r['loadavg_before']} -> {r['loadavg_after']}")
print(f"soak: {r['duration_s']} s at {r['rate']} req/s ({tool}), 70 % /api/search, 30 % pages and assets")
print(f"  requests {total}, status codes {codes}, non-2xx {non2xx}, socket errors {sock} {errors or ''}"
      f" (+{r['aborted_at_chunk_ends']} cut off at the ends of the 60 s runs)")
k = r["rss_kib"]
print(f"  RSS start {k['start']/1024:.1f} MiB, minute 5 {('%.1f MiB' % (k['minute5']/1024)) if k['minute5'] else 'n/a'}, "
      f"end {k['end']/1024:.1f} MiB, max {k['max']/1024:.1f} MiB"
      + (f"; growth from minute 5 to the end {100*(k['end']-k['minute5'])/k['minute5']:+.1f} %" if k['minute5'] else ""))
print(f"  fds start {r['fds']['start']}, end {r['fds']['end']} (min {r['fds']['min']}, max {r['fds']['max']})")
print(f"  machine load average (1 min) while sampled: {min(x[3] for x in samples):.2f} to {max(x[3] for x in samples):.2f}"
      " (2 cores; this load alone adds about 0.1 to 0.3: more means other work shared the machine)")
if chunks:
    f, l = chunks[0], chunks[-1]
    print(f"  first minute p50 {f['p50_ms']:.2f} ms p99 {f['p99_ms']:.2f} ms; last minute p50 {l['p50_ms']:.2f} ms p99 {l['p99_ms']:.2f} ms; "
          f"worst minute p99 {max(c['p99_ms'] for c in chunks):.2f} ms, p99.9 {max(c['p999_ms'] for c in chunks):.2f} ms")
print(f"  server log lines at WARN or ERROR: {r['server_error_or_warn_log_lines']}")
s = r["shutdown"]
print(f"graceful shutdown (--shutdown-delay {s['delay_s']}): exit code {s['exit_code']} after {s['ms_from_sigterm_to_exit']} ms "
      f"(delay {s['delay_s']} s + grace up to {s['grace_s']} s); /readyz 0.2 s after SIGTERM: {s['readyz_200ms_after_sigterm']}; "
      f"slow in-flight POST /search: {s['slow_request']} after {s['slow_request_s']:.1f} s; "
      f"new connection after the delay: {'refused' if s['new_connection_after_sigterm'] in ('000', '') else s['new_connection_after_sigterm']}")
if s["load"]:
    print(f"  load run during the shutdown: status codes {s['load']['status_codes']}, errors {s['load']['errors']}")
print(f"raw figures: {out}")
PY
