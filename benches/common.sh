# Helpers shared by the benchmark scripts (sourced, not run): logging to stderr and
# installing missing tools from Debian.

# log MESSAGE...: one line on stderr (stdout carries the figures).
log() { printf '%s\n' "$*" >&2; }

# apt_install PACKAGE...: install quietly, refreshing the package lists only if needed.
apt_install() {
    log "installing $* with apt-get"
    apt-get install -y -qq "$@" >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }
}

# free_port: a free TCP port on 127.0.0.1 (bound and released, so another program may take it).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
