#!/usr/bin/env bash
# The sync figures too slow for CI, measured on a built mnem:
#   1. a 1 GiB zero blob in a remote's history (removed again by the next commit): the peak
#      resident memory of `mnem pull` over a path, file:// and git://, against `mnem list`;
#   2. 8 concurrent writers × 60 single `mnem add` processes: size on disk, objects, fsck.
# Usage: scripts/sync-figures.sh [MNEM_BINARY]   (default: .build/release/mnem, else .build/debug/mnem)
# Needs git (with git-daemon), python3 (to read a child's peak memory) and du.
set -euo pipefail
cd "$(dirname "$0")/.."
MNEM=${1:-}
if [[ -z "$MNEM" ]]; then
  if [[ -x .build/release/mnem ]]; then MNEM=$PWD/.build/release/mnem; else MNEM=$PWD/.build/debug/mnem; fi
fi
[[ -x "$MNEM" ]] || { echo "sync-figures: no mnem binary at $MNEM (swift build first)" >&2; exit 1; }
MNEM=$(cd "$(dirname "$MNEM")" && pwd)/$(basename "$MNEM")
DAEMON=
for candidate in /usr/lib/git-core/git-daemon /usr/libexec/git-core/git-daemon; do
  [[ -x "$candidate" ]] && DAEMON=$candidate && break
done
[[ -n "$DAEMON" ]] || { echo "sync-figures: git-daemon is not installed" >&2; exit 1; }
BOMB=${BOMB_BYTES:-1073741824}
WORK=$(mktemp -d)
DAEMON_PID=
cleanup() { [[ -n "$DAEMON_PID" ]] && kill "$DAEMON_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export MNEM_AUTHOR_NAME=figures MNEM_NO_CREDENTIAL_HELPER=1 GIT_AUTHOR_NAME=h GIT_AUTHOR_EMAIL=h@x GIT_COMMITTER_NAME=h GIT_COMMITTER_EMAIL=h@x

# The peak resident memory (KiB) of one child, read by a small python3 parent (a child spawned
# from a large process would inherit that process's peak; see Tests/MnemSyncTests).
peak() {
  python3 -c '
import resource, subprocess, sys
run = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, run.returncode)' "$@"
}

memory() {
  printf '{"kind": "insight", "task": "figures %s", "domain": "general", "outcome": "success", "insight": {"title": "Figure %s", "description": "Measured %s.", "content": "Number %s."}}\n' "$1" "$1" "$1" "$1"
}

echo "== 1. a $((BOMB >> 20)) MiB zero blob in the remote's history =="
mkdir -p "$WORK/served"
REMOTE=$WORK/served/pool.git
git init -q --bare -b main "$REMOTE"
"$MNEM" init "$WORK/seed" >/dev/null
for n in 1 2 3; do memory "$n"; done | "$MNEM" --pool "$WORK/seed" add - >/dev/null
"$MNEM" --pool "$WORK/seed" remote add origin "$REMOTE" >/dev/null
"$MNEM" --pool "$WORK/seed" push >/dev/null
"$MNEM" init "$WORK/local" --from "$REMOTE" >/dev/null
ZEROS=$(head -c "$BOMB" /dev/zero | git -C "$REMOTE" hash-object -w --stdin)
TREE=$( (git -C "$REMOTE" ls-tree main; printf '040000 tree %s\tassets\n' "$(printf '100644 blob %s\tzeros.bin\n' "$ZEROS" | git -C "$REMOTE" mktree)") | git -C "$REMOTE" mktree)
BAD=$(git -C "$REMOTE" commit-tree "$TREE" -p main -m "add a bomb")
CLEAN=$(git -C "$REMOTE" commit-tree "$(git -C "$REMOTE" rev-parse 'main^{tree}')" -p "$BAD" -m "remove it again")
git -C "$REMOTE" update-ref refs/heads/main "$CLEAN"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$DAEMON" --export-all --reuseaddr --base-path="$WORK/served" --listen=127.0.0.1 --port="$PORT" "$WORK/served" 2>/dev/null &
DAEMON_PID=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT))" 2>/dev/null && break; sleep 0.1; done
read -r LIST_KB _ < <(peak "$MNEM" --pool "$WORK/local" list)
printf '  %-30s %8s KiB\n' "mnem list (yardstick)" "$LIST_KB"
for url in "$REMOTE" "file://$REMOTE" "git://127.0.0.1:$PORT/pool.git"; do
  read -r KB STATUS < <(peak "$MNEM" --pool "$WORK/local" pull "$url")
  FSCK=clean
  git -C "$WORK/local" fsck --strict --no-dangling >/dev/null 2>&1 || FSCK=FAILS
  HAS=absent
  git -C "$WORK/local" cat-file -e "$ZEROS" 2>/dev/null && HAS=PRESENT
  case "$url" in git://*) kind=git://;; file://*) kind=file://;; *) kind=path;; esac
  printf '  %-30s %8s KiB  exit %s  fsck --strict %s  blob %s\n' "pull over $kind" "$KB" "$STATUS" "$FSCK" "$HAS"
done
kill "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=

echo "== 2. 8 writers x 60 single mnem add processes =="
"$MNEM" init "$WORK/pool" >/dev/null
for w in $(seq 0 7); do
  (for n in $(seq 0 59); do memory "w$w-n$n" | "$MNEM" --pool "$WORK/pool" add - >/dev/null; done) &
done
wait
COUNT=$("$MNEM" --pool "$WORK/pool" --json stats | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("memories", d.get("total", "?")))' 2>/dev/null || echo "?")
LOOSE=$(git -C "$WORK/pool" count-objects -v | awk '/^count:/ {print $2}')
PACKS=$(git -C "$WORK/pool" count-objects -v | awk '/^packs:/ {print $2}')
FSCK=clean
git -C "$WORK/pool" fsck --strict --no-dangling >/dev/null 2>&1 || FSCK=FAILS
printf '  memories %s, commits %s, %s KiB on disk (du), %s loose objects, %s packs, fsck --strict %s\n' \
  "$COUNT" "$(git -C "$WORK/pool" rev-list --count main)" "$(du -sk "$WORK/pool" | cut -f1)" "$LOOSE" "$PACKS" "$FSCK"
