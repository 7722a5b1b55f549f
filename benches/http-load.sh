#!/usr/bin/env bash
# HTTP load benchmark of the release server on loopback (security plan §3 F1, F2, F5, F6).
#
# Measures, against one server started here on a free 127.0.0.1 port with no rate limit:
#   - closed loop (wrk): /api/search over every query of tests/relevance/dev-queries.tsv
#     (URL-encoded, rotated), the server-rendered /search?q=..., the home page and the hashed
#     stylesheet (/assets/style.<hash>.css, read from the home page), each at 1, 16, 64 and
#     128 connections: requests/s, p50, p99, socket errors and HTTP errors;
#   - open loop (oha): /api/search at fixed rates (500 req/s, then a ramp to 2,000, 4,000
#     and 8,000, plan F3) with latency correction: p50, p99, p99.9, status codes and errors;
#   - the peer: nginx (Debian) serving the same stylesheet file and the same pre-rendered
#     home page (exported with curl from the running server) on another loopback port, with
#     the same wrk runs at 64 connections, so the static figures are a ratio measured in the
#     same run;
#   - the server's resident memory (VmRSS) idle and after the runs, and its start-up time
#     from exec to the first 200 on /readyz.
# Prints a table and writes the raw figures as JSON to $OUT.
#
#     benches/http-load.sh                    # about 4 minutes
#     OUT=/tmp/x.json DURATION=5 CONNS="64" benches/http-load.sh
#
# Settings (environment): OUT (default /tmp/http-load.json), DURATION seconds per closed-loop
# run (10), CONNS ("1 16 64 128"), WRK_THREADS (1), RATES ("500 2000 4000 8000"),
# RATE_DURATION seconds per rate (20),
# LOG_LEVEL of the server (info, as deployed: one log line per request, to a file).
#
# Installs what is missing: wrk and nginx-light with apt-get, oha with cargo install (about
# 6 minutes). Traffic goes to 127.0.0.1 only; every run is bounded in time; everything this
# script starts is stopped on exit. The load generator shares the machine's cores with the
# server: read the figures with that in mind (they are printed with the core count and load).
# Requests with status >= 400 count as HTTP errors (wrk's own rule); no request here is
# conditional, so no 304s occur.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-/tmp/http-load.json}
DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 16 64 128"}
WRK_THREADS=${WRK_THREADS:-1}
RATES=${RATES:-"500 2000 4000 8000"}
RATE_DURATION=${RATE_DURATION:-20}
LOG_LEVEL=${LOG_LEVEL:-info}
BIN=$ROOT/target/release/candidate-security
QUERIES=$ROOT/tests/relevance/dev-queries.tsv
export PATH="$PATH:/usr/sbin:$HOME/.cargo/bin"

# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"

# --- tools -----------------------------------------------------------------------------
command -v python3 >/dev/null || apt_install python3
command -v curl >/dev/null || apt_install curl
command -v wrk >/dev/null || apt_install wrk
command -v nginx >/dev/null || apt_install nginx-light
if ! command -v oha >/dev/null; then
    log "installing oha with cargo (about 6 minutes)"
    cargo install oha --locked --no-default-features --features rustls
fi

log "building the release binary"
cargo build --release --quiet
# The commit the binary was built from (others may commit while this runs).
COMMIT=$(git -C "$ROOT" rev-parse HEAD)
TREE_DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no | head -c 1 | wc -c)

# --- scratch space and clean-up ----------------------------------------------------------
WORK=$(mktemp -d /tmp/http-load.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody and read www/ below
SRV=""
NGINX=""
cleanup() {
    set +e
    [ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null
    [ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS=$WORK/results.jsonl
: >"$RESULTS"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# --- the server --------------------------------------------------------------------------
log "starting the server"
# A free port chosen here (not port 0 read back from the log: below info level the start-up
# line that names the address is not logged).
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
START_NS=$(date +%s%N)
"$BIN" --bind "127.0.0.1:$PORT" --rate-limit 0 --log-level "$LOG_LEVEL" 2>"$WORK/server.log" &
SRV=$!
for _ in $(seq 1 2000); do # at most about 20 s
    kill -0 "$SRV" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    if curl -fs -o /dev/null "$BASE/readyz"; then break; fi
    sleep 0.01
done
READY_NS=$(date +%s%N)
curl -fs -o /dev/null "$BASE/readyz" || { log "the server never became ready"; exit 1; }
STARTUP_MS=$(((READY_NS - START_NS) / 1000000))
sleep 1
RSS_IDLE=$(rss_kib "$SRV")
FDS_IDLE=$(fds "$SRV")
log "server at $BASE: ready in $STARTUP_MS ms, idle RSS $RSS_IDLE KiB"

# --- request paths -------------------------------------------------------------------------
curl -fs "$BASE/" >"$WORK/home.html"
ASSET=$(grep -o -m1 '/assets/style\.[0-9a-f]*\.css' "$WORK/home.html" | head -n1)
[ -n "$ASSET" ] || { log "no hashed stylesheet in the home page"; exit 1; }
python3 - "$QUERIES" "$WORK" <<'PY'
import sys, urllib.parse
queries, work = sys.argv[1], sys.argv[2]
qs = []
for n, line in enumerate(open(queries, encoding="utf-8")):
    if n == 0 or not line.strip() or line.startswith("#"):
        continue  # header line
    qs.append(line.split("\t")[0].strip())
with open(f"{work}/api.paths", "w") as api, open(f"{work}/page.paths", "w") as page:
    for q in qs:
        api.write("/api/search?q=%s\n" % urllib.parse.quote_plus(q))
        page.write("/search?q=%s\n" % urllib.parse.quote_plus(q))
print(f"{len(qs)} dev queries", file=sys.stderr)
PY
echo "$ASSET" >"$WORK/asset.paths"
echo "/" >"$WORK/home.paths"
sed "s|^|$BASE|" "$WORK/api.paths" >"$WORK/api.urls"
NQUERIES=$(wc -l <"$WORK/api.paths")
# Check every path answers 200 before measuring.
for p in "$(head -n1 "$WORK/api.paths")" "$(head -n1 "$WORK/page.paths")" "$ASSET" /; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$p")
    [ "$code" = 200 ] || { log "$p answered $code"; exit 1; }
done

# wrk script: rotate over the paths in $WRK_PATHS (one thread each starting elsewhere);
# print one JSON line of figures at the end.
cat >"$WORK/rotate.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local encoding = os.getenv("WRK_ENCODING")
if encoding and #encoding > 0 then wrk.headers["Accept-Encoding"] = encoding end
if #paths == 1 then
  wrk.path = paths[1]            -- one path: wrk's static request, no Lua per request
else
  local counter = 0
  local threads = 0
  function setup(thread) thread:set("offset", threads * 17); threads = threads + 1 end
  function init(args) counter = offset or 0 end
  function request()
    counter = counter + 1
    return wrk.format("GET", paths[(counter % #paths) + 1])
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_timeout":%d,"http_errors":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    e.status, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
LUA

# run_wrk SERVER TARGET CONNECTIONS BASE PATHS_FILE [ACCEPT_ENCODING]
run_wrk() {
    local server=$1 target=$2 conns=$3 base=$4 paths=$5 encoding=${6:-} threads=$WRK_THREADS line
    [ "$threads" -gt "$conns" ] && threads=$conns
    line=$(WRK_PATHS=$paths WRK_ENCODING=$encoding timeout $((DURATION + 30)) \
        wrk -t"$threads" -c"$conns" -d"${DURATION}s" -s "$WORK/rotate.lua" "$base" |
        grep '^WRKJSON ' | sed 's/^WRKJSON //')
    [ -n "$line" ] || { log "wrk printed no figures for $server $target c=$conns"; exit 1; }
    python3 - "$server" "$target" "$conns" "$threads" "$line" >>"$RESULTS" <<'PY'
import json, sys
server, target, conns, threads, line = sys.argv[1:]
d = json.loads(line)
d.update(kind="closed", tool="wrk", server=server, target=target,
         connections=int(conns), threads=int(threads),
         rps=round(d["requests"] / (d["duration_us"] / 1e6), 1),
         socket_errors=d["errors_connect"] + d["errors_read"] + d["errors_write"] + d["errors_timeout"])
print(json.dumps(d))
PY
    log "  $server $target c=$conns done"
}

LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- closed loop over our server -------------------------------------------------------------
log "closed loop: ${DURATION}s per run, connections: $CONNS (wrk -t$WRK_THREADS)"
for target in api page home asset; do
    for c in $CONNS; do
        run_wrk ours "$target" "$c" "$BASE" "$WORK/$target.paths"
    done
done
# What a browser gets: the same stylesheet brotli-compressed (informational; nginx-light
# has no brotli, so there is no peer figure for it).
run_wrk ours asset-br 64 "$BASE" "$WORK/asset.paths" "br, gzip"

# --- open loop at a fixed rate ------------------------------------------------------------------
for RATE in $RATES; do
log "open loop: /api/search at $RATE req/s for ${RATE_DURATION}s (oha, latency correction)"
timeout $((RATE_DURATION + 60)) oha -q "$RATE" -c 64 -z "${RATE_DURATION}s" --latency-correction \
    --no-tui --output-format json --urls-from-file "$WORK/api.urls" >"$WORK/open.json"
python3 - "$WORK/open.json" "$RATE" "$RATE_DURATION" >>"$RESULTS" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, p = d["summary"], d["latencyPercentiles"]
codes = {str(k): v for k, v in (d.get("statusCodeDistribution") or {}).items()}
errors = d.get("errorDistribution") or {}
# oha ends the run with the requests still in flight "aborted due to deadline": that is the
# load generator stopping, not the server failing, so it is counted apart.
aborted = errors.pop("aborted due to deadline", 0)
print(json.dumps(dict(
    kind="open", tool="oha", server="ours", target="api", connections=64,
    target_rate=int(sys.argv[2]), duration_s=int(sys.argv[3]),
    rps=round(s["requestsPerSec"], 1), success_rate=s["successRate"],
    p50_us=round(p["p50"] * 1e6), p99_us=round(p["p99"] * 1e6), p999_us=round(p["p99.9"] * 1e6),
    max_us=round(s["slowest"] * 1e6), status_codes=codes, errors=errors,
    requests=sum(codes.values()) + sum(errors.values()), aborted_at_end=aborted,
    http_errors=sum(v for k, v in codes.items() if not k.startswith("2")),
    socket_errors=sum(errors.values()))))
PY
done

RSS_AFTER=$(rss_kib "$SRV")
FDS_AFTER=$(fds "$SRV")

# --- the peer: nginx with the same files ----------------------------------------------------------
log "peer: nginx serving the same stylesheet and home page"
mkdir -p "$WORK/www/assets" "$WORK/nginx/logs" "$WORK/nginx/tmp"
cp "$WORK/home.html" "$WORK/www/index.html"
curl -fs "$BASE$ASSET" -o "$WORK/www$ASSET"
chmod -R a+rX "$WORK/www"
NGINX_PORT=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    types { text/html html; text/css css; }
    default_type application/octet-stream;
    # one line per request, without the query string or client address (as README suggests)
    log_format private '\$time_iso8601 \$request_method \$uri \$status \$body_bytes_sent \$request_time';
    access_log $WORK/nginx/logs/access.log private;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 60s;
    keepalive_requests 1000000;   # hyper has no per-connection request cap either
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK/www;
        index index.html;
    }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX=$!
NGINX_BASE=http://127.0.0.1:$NGINX_PORT
for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$NGINX_BASE$ASSET" && break
    kill -0 "$NGINX" 2>/dev/null || { cat "$WORK/nginx/logs/error.log" >&2; exit 1; }
    sleep 0.05
done
cmp -s <(curl -fs "$NGINX_BASE$ASSET") <(curl -fs "$BASE$ASSET") ||
    { log "nginx does not serve the same stylesheet bytes"; exit 1; }
for target in home asset; do
    run_wrk nginx "$target" 64 "$NGINX_BASE" "$WORK/$target.paths"
done
NGINX_VERSION=$(nginx -v 2>&1 | sed 's/.*nginx\///')
LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report --------------------------------------------------------------------------------------
python3 - "$RESULTS" "$OUT" <<PY
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
meta = dict(
    commit="$COMMIT", tree_dirty=bool($TREE_DIRTY),
    cores=$(nproc), cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')",
    loadavg_before="$LOADAVG_BEFORE", loadavg_after="$LOADAVG_AFTER",
    wrk="$(wrk -v 2>&1 | head -n1 | awk '{print $2}')", oha="$(oha --version | awk '{print $2}')",
    nginx="$NGINX_VERSION", wrk_threads=$WRK_THREADS, duration_s=$DURATION,
    server_flags="--bind 127.0.0.1:$PORT --rate-limit 0 --log-level $LOG_LEVEL (other limits default)",
    asset="$ASSET", asset_bytes=$(stat -c %s "$WORK/www$ASSET"), home_bytes=$(stat -c %s "$WORK/www/index.html"),
    queries=$NQUERIES, startup_to_readyz_ms=$STARTUP_MS,
    rss_idle_kib=$RSS_IDLE, rss_after_kib=$RSS_AFTER, fds_idle=$FDS_IDLE, fds_after=$FDS_AFTER,
    binary_bytes=$(stat -c %s "$BIN"),
)
ratios = {}
for t in ("home", "asset"):
    o = [r for r in rows if r["server"] == "ours" and r["target"] == t and r.get("connections") == 64 and r["kind"] == "closed"]
    n = [r for r in rows if r["server"] == "nginx" and r["target"] == t]
    if o and n:
        ratios[t] = round(o[0]["rps"] / n[0]["rps"], 3)
json.dump(dict(meta=meta, runs=rows, ratio_ours_over_nginx_at_64=ratios), open(sys.argv[2], "w"), indent=1)

names = dict(api="/api/search (dev queries)", page="/search?q= (HTML)", home="/ (home page)",
             asset="hashed stylesheet (identity)", **{"asset-br": "hashed stylesheet (br)"})
print(f"commit {meta['commit'][:12]}{' (dirty tree)' if meta['tree_dirty'] else ''}; {meta['cores']} cores shared by server and load generator; "
      f"load average {meta['loadavg_before']} -> {meta['loadavg_after']}")
print(f"stylesheet {meta['asset']}: {meta['asset_bytes']} bytes; home page {meta['home_bytes']} bytes; {meta['queries']} dev queries")
print(f"start-up to /readyz {meta['startup_to_readyz_ms']} ms; RSS idle {meta['rss_idle_kib']/1024:.1f} MiB, after the runs {meta['rss_after_kib']/1024:.1f} MiB; "
      f"fds {meta['fds_idle']} -> {meta['fds_after']}; binary {meta['binary_bytes']/1e6:.1f} MB")
print()
print(f"{'server':<6} {'target':<34} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'sock err':>8} {'http err':>8}")
for r in rows:
    label = names[r["target"]] + (f" @ {r['target_rate']}/s open loop" if r["kind"] == "open" else "")
    print(f"{r['server']:<6} {label:<34} {r['connections']:>5} {r['rps']:>9.0f} {r['p50_us']/1e3:>8.2f} {r['p99_us']/1e3:>8.2f} "
          f"{r['p999_us']/1e3:>9.2f} {r['socket_errors']:>8} {r['http_errors']:>8}")
for t, v in ratios.items():
    print(f"ours/nginx at 64 connections, {names[t]}: {v:.2f}")
print(f"\nraw figures: {sys.argv[2]}")
PY
