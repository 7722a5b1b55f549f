#!/usr/bin/env bash
# MDN HTTP Observatory score of the release server on loopback (security plan R8, case D2).
#
# Scores the server's response headers with the MDN HTTP Observatory scanner
# (@mdn/mdn-http-observatory 1.4.8, algorithm v4) run locally: no request leaves the machine.
# Two scans, each of its own server started here on a free 127.0.0.1 port:
#   - plain: the server as started by default (plain HTTP, no --behind-https), with nothing on
#     the HTTPS port. D2 expects only `redirection` and `strict-transport-security` to fail,
#     and every other test at its best result (CSP +10, Referrer-Policy +5, X-Frame-Options
#     through CSP frame-ancestors +5, CORP +10);
#   - TLS: the server with --behind-https (so it sends Strict-Transport-Security) behind nginx
#     as a TLS reverse proxy with a throwaway self-signed certificate, nginx also listening on
#     a plain port that 301-redirects to the HTTPS port. D2 expects a score of at least 130,
#     grade A+, 10/10 tests passed.
# The packaged scanner only scans ports 80 and 443, so benches/observatory-scan.mjs runs the
# same retriever, tests and grader with ports (see that file). For each scan it prints a table
# (test, pass, score modifier, the scanner's best modifier for that test, result), the score,
# grade and tests passed, the failed tests with the header values the scanner read, and
# whether D2 held. Raw results are written as JSON to $OUT. Exits 0 whatever the scores (this
# prints figures; it is not a test), non-zero if a scan could not run.
#
#     benches/observatory.sh                  # 3 s once built and cached; first run + 10 s npm
#     OUT=/tmp/x.json benches/observatory.sh
#
# Settings (environment): OUT (default /tmp/observatory.json), OBS_CACHE where the scanner is
# installed and kept between runs (default /tmp/obs), SCAN_HOST the host name the scanner
# requests (default 127.0.0.1; the certificate also names localhost, and with localhost Node
# may try ::1 first, where nothing here listens, before 127.0.0.1).
#
# Installs what is missing: nodejs and npm, nginx-light, openssl (apt-get); the scanner with
# npm into $OBS_CACHE (about 10 s the first time; --ignore-scripts, because its postinstall
# downloads the HSTS preload and TLD lists from the internet and fails offline; the preload
# list is written as {} instead, which is what a loopback host would find in it anyway).
# Builds the release binary with cargo if it is out of date. Everything listens on 127.0.0.1
# and everything this script starts is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-/tmp/observatory.json}
OBS_CACHE=${OBS_CACHE:-/tmp/obs}
SCAN_HOST=${SCAN_HOST:-127.0.0.1}
SCANNER_VERSION=1.4.8
PKG=$OBS_CACHE/node_modules/@mdn/mdn-http-observatory
BIN=$ROOT/target/release/candidate-security
export PATH="$PATH:/usr/sbin:$HOME/.cargo/bin"

# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"

# --- tools -----------------------------------------------------------------------------
command -v python3 >/dev/null || apt_install python3
command -v curl >/dev/null || apt_install curl
command -v openssl >/dev/null || apt_install openssl
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm
command -v nginx >/dev/null || apt_install nginx-light

installed_version() {
    node -e 'try { console.log(require(process.argv[1]).version) } catch { console.log("") }' \
        "$PKG/package.json"
}
if [ "$(installed_version)" != "$SCANNER_VERSION" ]; then
    log "installing @mdn/mdn-http-observatory@$SCANNER_VERSION with npm into $OBS_CACHE"
    mkdir -p "$OBS_CACHE"
    # --loglevel=error: Node 20 gets an EBADENGINE warning (a dependency wants Node 22); the
    # scan works all the same.
    (cd "$OBS_CACHE" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
        "@mdn/mdn-http-observatory@$SCANNER_VERSION" >/dev/null)
fi
[ "$(installed_version)" = "$SCANNER_VERSION" ] ||
    { log "@mdn/mdn-http-observatory $SCANNER_VERSION is not installed in $OBS_CACHE"; exit 1; }
# Normally fetched by the postinstall (Chromium's HSTS preload list). Loopback is not in it.
[ -s "$PKG/conf/hsts-preload.json" ] || echo '{}' >"$PKG/conf/hsts-preload.json"

log "building the release binary"
cargo build --release --quiet
# The commit the binary was built from (others may commit while this runs).
COMMIT=$(git -C "$ROOT" rev-parse HEAD)
TREE_DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no | head -c 1 | wc -c)

# --- scratch space and clean-up ----------------------------------------------------------
WORK=$(mktemp -d /tmp/observatory.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody and use the temp dirs below
SRV_PLAIN=""
SRV_TLS=""
NGINX=""
cleanup() {
    set +e
    [ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null
    [ -n "$SRV_TLS" ] && kill "$SRV_TLS" 2>/dev/null && wait "$SRV_TLS" 2>/dev/null
    [ -n "$SRV_PLAIN" ] && kill "$SRV_PLAIN" 2>/dev/null && wait "$SRV_PLAIN" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server PORT LOGFILE [FLAGS...]: starts the server, waits for /readyz, sets $STARTED.
start_server() {
    local port=$1 logfile=$2 pid
    shift 2
    "$BIN" --bind "127.0.0.1:$port" "$@" 2>"$logfile" &
    pid=$!
    for _ in $(seq 1 2000); do # at most about 20 s
        kill -0 "$pid" 2>/dev/null || { cat "$logfile" >&2; exit 1; }
        curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break
        sleep 0.01
    done
    curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" ||
        { log "the server on port $port never became ready"; exit 1; }
    STARTED=$pid
}

# --- plain HTTP ------------------------------------------------------------------------------
PLAIN_PORT=$(free_port)
start_server "$PLAIN_PORT" "$WORK/server-plain.log"
SRV_PLAIN=$STARTED
# A port with nothing listening stands for "this site has no HTTPS".
NO_TLS_PORT=$(free_port)
while [ "$NO_TLS_PORT" = "$PLAIN_PORT" ]; do NO_TLS_PORT=$(free_port); done
! curl -s -o /dev/null --max-time 2 "https://127.0.0.1:$NO_TLS_PORT/" ||
    { log "port $NO_TLS_PORT unexpectedly answers"; exit 1; }
log "plain scan: server at http://127.0.0.1:$PLAIN_PORT, nothing on port $NO_TLS_PORT"
OBSERVATORY_DIR=$PKG timeout 60 node "$ROOT/benches/observatory-scan.mjs" \
    "$SCAN_HOST" "$PLAIN_PORT" "$NO_TLS_PORT" >"$WORK/plain.json" ||
    { cat "$WORK/plain.json" >&2; log "the plain scan failed"; exit 1; }

# --- TLS: nginx in front of a server started with --behind-https ---------------------------
BACKEND_PORT=$(free_port)
start_server "$BACKEND_PORT" "$WORK/server-tls.log" --behind-https
SRV_TLS=$STARTED

log "making a throwaway self-signed certificate"
mkdir -p "$WORK/tls"
openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null
chmod 600 "$WORK/tls/key.pem" # read by the nginx master (root) only

HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
while [ "$HTTPS_PORT" = "$HTTP_PORT" ]; do HTTPS_PORT=$(free_port); done
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
    log_format private '\$time_iso8601 \$request_method \$uri \$status \$body_bytes_sent \$request_time';
    access_log $WORK/nginx/logs/access.log private;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    server_tokens off;
    # Plain HTTP: every request moves to HTTPS on the same host.
    server {
        listen 127.0.0.1:$HTTP_PORT;
        return 301 https://\$host:$HTTPS_PORT\$request_uri;
    }
    server {
        listen 127.0.0.1:$HTTPS_PORT ssl;
        ssl_certificate $WORK/tls/cert.pem;
        ssl_certificate_key $WORK/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {
            proxy_pass http://127.0.0.1:$BACKEND_PORT;
            proxy_http_version 1.1;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-Proto https;
        }
    }
}
EOF
nginx -e "$WORK/nginx/logs/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" \
    -g 'daemon off;' &
NGINX=$!
for _ in $(seq 1 200); do
    curl -fs -o /dev/null --cacert "$WORK/tls/cert.pem" "https://127.0.0.1:$HTTPS_PORT/readyz" && break
    kill -0 "$NGINX" 2>/dev/null || { cat "$WORK/nginx/logs/error.log" >&2; exit 1; }
    sleep 0.05
done
curl -fs -o /dev/null --cacert "$WORK/tls/cert.pem" "https://127.0.0.1:$HTTPS_PORT/readyz" ||
    { cat "$WORK/nginx/logs/error.log" >&2; log "nginx does not proxy over TLS"; exit 1; }
log "TLS scan: nginx at https://127.0.0.1:$HTTPS_PORT (and http://127.0.0.1:$HTTP_PORT -> 301)," \
    "server (--behind-https) at 127.0.0.1:$BACKEND_PORT"
# Node trusts the throwaway certificate for this scan only. It must be trusted, not just
# accepted: the retriever retries a failed certificate check without verification and marks
# the response unverified, which fails redirection and HSTS (-20 each: redirection-invalid-cert,
# hsts-invalid-cert). NODE_TLS_REJECT_UNAUTHORIZED=0 does not help (tried: 60, C+), because
# the retriever's agent sets rejectUnauthorized: true itself, which overrides it.
NODE_EXTRA_CA_CERTS=$WORK/tls/cert.pem OBSERVATORY_DIR=$PKG timeout 60 \
    node "$ROOT/benches/observatory-scan.mjs" "$SCAN_HOST" "$HTTP_PORT" "$HTTPS_PORT" \
    >"$WORK/tls.json" || { cat "$WORK/tls.json" >&2; log "the TLS scan failed"; exit 1; }

# --- report --------------------------------------------------------------------------------------
python3 - "$WORK/plain.json" "$WORK/tls.json" "$OUT" <<PY
import json, sys
plain, tls = (json.load(open(p)) for p in sys.argv[1:3])
meta = dict(
    commit="$COMMIT", tree_dirty=bool($TREE_DIRTY),
    scanner=plain["scanner"], algorithm_version=plain["algorithmVersion"],
    node="$(node --version)", nginx="$(nginx -v 2>&1 | sed 's/.*nginx\///')",
    openssl="$(openssl version | awk '{print $2}')", scan_host="$SCAN_HOST",
    plain=dict(server="http://127.0.0.1:$PLAIN_PORT", https_port_closed=$NO_TLS_PORT,
               server_flags="--bind 127.0.0.1:$PLAIN_PORT"),
    tls=dict(http_redirect="http://127.0.0.1:$HTTP_PORT", https="https://127.0.0.1:$HTTPS_PORT",
             backend="http://127.0.0.1:$BACKEND_PORT",
             server_flags="--bind 127.0.0.1:$BACKEND_PORT --behind-https",
             proxy="nginx, TLSv1.2/1.3, self-signed RSA 2048 certificate for localhost and 127.0.0.1"),
)

# D2 (security plan): the best result of the tests that can earn a bonus here.
D2_BEST = {"content-security-policy": 10, "referrer-policy": 5, "x-frame-options": 5,
           "cross-origin-resource-policy": 10}
def d2_plain(s):
    failed = sorted(n for n, t in s["tests"].items() if not t["pass"])
    below = [n for n, m in D2_BEST.items() if s["tests"][n]["scoreModifier"] != m]
    ok = failed == ["redirection", "strict-transport-security"] and not below
    return dict(held=ok, failed=failed, bonus_tests_below_best=below)
def d2_tls(s):
    ok = s["score"] >= 130 and s["grade"] == "A+" and s["testsPassed"] == s["testsQuantity"] == 10
    return dict(held=ok, score=s["score"], grade=s["grade"], passed=s["testsPassed"])
d2 = dict(plain=d2_plain(plain), tls=d2_tls(tls))
json.dump(dict(meta=meta, d2=d2, plain=plain, tls=tls), open(sys.argv[3], "w"), indent=1)

# What each test read, to show next to a failure or a result below the best.
HEADER = {"content-security-policy": "content-security-policy",
          "referrer-policy": "referrer-policy", "strict-transport-security": "strict-transport-security",
          "x-content-type-options": "x-content-type-options", "x-frame-options": "x-frame-options",
          "cross-origin-resource-policy": "cross-origin-resource-policy",
          "cross-origin-resource-sharing": "access-control-allow-origin"}
# Maxima that no server can reach on loopback, or that need what this server does not do.
WHY_NOT_MAX = {
    "cookies-not-found": "+5 is only for cookies set Secure, HttpOnly and SameSite; the server sets none",
    "hsts-implemented-max-age-at-least-six-months": "+5 is only for hosts on Chromium's HSTS preload list",
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin":
        "+5 needs integrity= on the <script> tags (same-origin scripts count, over HTTPS only)",
}
def what_it_read(s, name):
    t = s["tests"][name]
    if name == "redirection":
        return "route: " + (" -> ".join(s["httpRedirects"]) or "none")
    h = HEADER.get(name)
    if h:
        v = s["responseHeaders"].get(h)
        return f"{h}: {v}" if v is not None else f"no {h} header"
    return json.dumps(t.get("data"))[:200]

def report(title, s, d):
    print(f"== {title}")
    print(f"   from http: {' -> '.join(s['httpRedirects'])}; https: "
          + (f"{s['https']['status']} (certificate verified: {s['https']['verified']})" if s["https"]
             else "no answer"))
    print(f"{'test':<31} {'pass':<4} {'mod':>4} {'max':>4}  result")
    for name, t in s["tests"].items():
        print(f"{name:<31} {'yes' if t['pass'] else 'NO':<4} {t['scoreModifier']:>+4} "
              f"{t['bestModifier']:>+4}  {t['result']}")
    bonus = "bonuses counted" if s["uncurvedScore"] >= 90 else "bonuses not counted: below 90 without them"
    print(f"score {s['score']} (without bonuses {s['uncurvedScore']}; {bonus}), grade {s['grade']}, "
          f"tests passed {s['testsPassed']}/{s['testsQuantity']}")
    for name, t in s["tests"].items():
        if not t["pass"]:
            print(f"  failed {name}: {t['result']} ({t['scoreModifier']:+d}); {what_it_read(s, name)}")
    for name, t in s["tests"].items():
        if t["pass"] and t["scoreModifier"] < t["bestModifier"]:
            why = WHY_NOT_MAX.get(t["result"]) or what_it_read(s, name)
            print(f"  below the scanner's max, {name}: {t['result']} ({t['scoreModifier']:+d} of "
                  f"{t['bestModifier']:+d}): {why}")
    print(f"D2 {'held' if d['held'] else 'NOT held'}: {json.dumps({k: v for k, v in d.items() if k != 'held'})}")
    print()

print(f"{meta['scanner']} (algorithm v{meta['algorithm_version']}), node {meta['node']}, nginx {meta['nginx']}; "
      f"commit {meta['commit'][:12]}{' (dirty tree)' if meta['tree_dirty'] else ''}; host {meta['scan_host']}")
print()
report(f"plain HTTP: server at {meta['plain']['server']}, nothing on port {meta['plain']['https_port_closed']}", plain, d2["plain"])
report(f"TLS: nginx {meta['tls']['https']} (plain {meta['tls']['http_redirect']} 301s to it) -> server --behind-https", tls, d2["tls"])
print(f"raw results: {sys.argv[3]}")
PY
