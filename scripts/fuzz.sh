#!/usr/bin/env bash
# Runs mnem's libFuzzer targets (Fuzz/Package.swift): one per transcript format, one for the
# memory parser. Each starts from its seeds in Fuzz/Seeds/<target> and, when the shared corpus
# is beside the checkout, that format's real sessions (cut to -max_len).
#
# Usage: scripts/fuzz.sh [RUNS] [TARGET…]     RUNS defaults to 1000000; TARGET to all of them.
# Prints each target's executions and crashes; a crash's input is kept in .build-fuzz/crashes/.
# Exits 1 when any target crashed. MNEM_FUZZ_NO_BUILD=1 skips the build; MNEM_FUZZ_BUILD_PATH
# (default .build-fuzz) builds and runs elsewhere, beside a run whose binaries are in use.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${MNEM_FUZZ_BUILD_PATH:-.build-fuzz}"
runs="${1:-1000000}"
shift || true
all=(FuzzMemory FuzzClaudeCode FuzzCodex FuzzGeminiChat FuzzGeminiStream FuzzAider FuzzSWEAgent FuzzMiniSWEAgent
    FuzzOpenHandsEvents FuzzOpenHandsResolver FuzzATIF)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

mkdir -p "$out"
# MNEM_FUZZ_NO_BUILD=1 runs the last build (another run may be using its binaries).
if [ -z "${MNEM_FUZZ_NO_BUILD:-}" ] && ! swift build -c release --package-path Fuzz --build-path "$out" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >"$out/build.log" 2>&1; then
    tail -20 "$out/build.log"
    exit 1
fi

corpus=../shared/corpus
# The shared corpus's folder (and file pattern) for each target, where it has that format.
real_sessions() {
    case "$1" in
    FuzzClaudeCode) find "$corpus/claude_code_jsonl" -name '*.jsonl' ;;
    FuzzAider) find "$corpus/aider_chat_history_md" -name '*.md' ;;
    FuzzATIF) find "$corpus/atif" -name '*.json' ;;
    FuzzMiniSWEAgent) find "$corpus/mini_swe_agent_traj" -name '*.json' ;;
    FuzzSWEAgent) find "$corpus/swe_agent_traj" -name '*.traj' ;;
    FuzzOpenHandsEvents) find "$corpus/openhands" -name '*.json' ;;
    FuzzOpenHandsResolver) find "$corpus/openhands" -name '*.jsonl' ;;
    esac
}

failed=0
mkdir -p "$out/crashes"
for target in "${targets[@]}"; do
    work="$out/corpus/$target"
    mkdir -p "$work"
    cp -n Fuzz/Seeds/"$target"/* "$work"/ 2>/dev/null || true
    if [ -d "$corpus" ]; then
        real_sessions "$target" | while read -r file; do cp -n "$file" "$work/real-$(basename "$(dirname "$file")")-$(basename "$file")"; done
    fi
    log="$out/$target.log"
    status=0
    ASAN_OPTIONS=malloc_context_size=0:detect_leaks=1 "$out/release/$target" -runs="$runs" -max_len=4096 -timeout=20 \
        -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$out/crashes/$target-" "$work" >"$log" 2>&1 || status=$?
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(ls "$out/crashes/" 2>/dev/null | grep -c "^$target-" || true)
    echo "$target: $executions executions, $crashes crashes (exit $status; log $log)"
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then failed=1; fi
done
exit $failed
