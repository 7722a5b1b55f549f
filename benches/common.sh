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
