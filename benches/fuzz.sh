#!/usr/bin/env bash
# Fuzz query parsing and search (security plan §3 A11, recipe R7): the cargo-fuzz target
# tests/fuzz/fuzz_targets/query.rs runs Guide::search on any UTF-8 input, on a thread with a
# 128 KiB stack, over the embedded guide. Prints the executions, the corpus size and the
# crashes. Not part of CI.
#
#     benches/fuzz.sh                   # 120 s
#     FUZZ_SECONDS=600 benches/fuzz.sh  # the plan's local run
#
# Settings (environment): FUZZ_SECONDS (default 120; not SECONDS, which bash itself sets to
# the shell's age), MAX_LEN (4096), JOBS (1). Installs cargo-fuzz (crates.io) if missing.
# Runs on the stable toolchain with --sanitizer none: a stack overflow then shows as
# "deadly signal" and may leave no artifact; replay the corpus to find the input.
# The fuzz package has its own workspace and Cargo.lock, seeded from the main Cargo.lock so
# it builds the same dependency versions; its target/, corpus/ and artifacts/ stay under
# tests/fuzz/ (ignored by git).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
FUZZ_DIR=tests/fuzz
TARGET=query
FUZZ_SECONDS=${FUZZ_SECONDS:-120}
MAX_LEN=${MAX_LEN:-4096}
export PATH="$PATH:$HOME/.cargo/bin"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

# Same dependency versions as the main build (cargo adds libfuzzer-sys to this copy).
cp Cargo.lock "$FUZZ_DIR/Cargo.lock"

# --- seed corpus: every dev query, and samples of the query syntax and its edges -------------
CORPUS=$FUZZ_DIR/corpus/$TARGET
ARTIFACTS=$FUZZ_DIR/artifacts/$TARGET
mkdir -p "$CORPUS" "$ARTIFACTS"
python3 - "$ROOT/tests/relevance/dev-queries.tsv" "$CORPUS" <<'PY'
import hashlib, os, sys
queries, corpus = sys.argv[1], sys.argv[2]
seeds = []
for n, line in enumerate(open(queries, encoding="utf-8")):
    if n and line.strip() and not line.startswith("#"):
        seeds.append(line.split("\t")[0].strip())
seeds += [
    '"someone posted" my address', '-whatsapp hacked', '"unterminated phrase', '""', '"',
    "- -- --x", "title:x", "*", "*a*", "a*", "/.*/", "[a TO z]", "a^1e308",
    '"a b"~4294967295', "a~99", "NOT a", "+a", "a:*", "\\", "a AND b OR c", "(((a)))",
    "(" * 127 + "a" + ")" * 127, "(" * 900 + "a" + ")" * 900, '"' * 300,
    "a " * 20, "word " * 50, "x" * 256, "x" * 257, "é" * 128, "pásswörd mañager",
    "\u202e\u0000\u0007 tab\tnew\nline", "🙂 2fa 🙂", "ﬁ ß İ ǅ", "a\u0301", "\uffff\ufffd",
    "pasword manger", "someone is folowing me home", "2fa 2sv mfa two-step",
    "<script>alert(1)</script>", "&amp; &lt;mark&gt;", "0" * 40, "- \"a -b\" c -\"d e\"",
]
for s in seeds:
    data = s.encode("utf-8")
    with open(os.path.join(corpus, "seed-" + hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)
print(f"seeded {len(seeds)} inputs", file=sys.stderr)
PY

COMMIT=$(git rev-parse --short=12 HEAD)
CRASHES_BEFORE=$(find "$ARTIFACTS" -type f | wc -l)
LOG=$(mktemp /tmp/fuzz-query.XXXXXX.log)
echo "fuzzing $TARGET for ${FUZZ_SECONDS}s (log: $LOG)" >&2
set +e
cargo fuzz run --fuzz-dir "$FUZZ_DIR" --sanitizer none "$TARGET" -- \
    -max_total_time="$FUZZ_SECONDS" -max_len="$MAX_LEN" -timeout=10 -print_final_stats=1 \
    >"$LOG" 2>&1
STATUS=$?
set -e
tail -n 25 "$LOG"

CRASHES_AFTER=$(find "$ARTIFACTS" -type f | wc -l)
RUNS=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOG" | grep -o '[0-9]*$' | tail -n1)
[ -n "$RUNS" ] || RUNS=$(grep -o 'Done [0-9]* runs' "$LOG" | grep -o '[0-9]*' | tail -n1)
SECS=$(grep -o 'in [0-9]* second(s)' "$LOG" | grep -o '[0-9]*' | tail -n1)
echo
echo "commit $COMMIT; $(nproc) cores; target $TARGET, ${FUZZ_SECONDS}s requested, -max_len=$MAX_LEN"
echo "executions: ${RUNS:-unknown} in ${SECS:-?} s; corpus: $(find "$CORPUS" -type f | wc -l) inputs"
echo "new crash artifacts: $((CRASHES_AFTER - CRASHES_BEFORE)) (in $ARTIFACTS); libFuzzer exit status $STATUS"
if grep -q -e 'deadly signal' -e 'panicked' -e 'overflowed its stack' -e 'ERROR: libFuzzer' "$LOG"; then
    echo "CRASH: see $LOG"
    exit 1
fi
[ "$STATUS" -eq 0 ] || exit "$STATUS"
echo "crashes: 0"
