#!/usr/bin/env bash
# Keeps mnem's readers up with the agents: installs the current mini-swe-agent and aider from
# PyPI into a scratch venv (outside the repository), runs each against a scripted
# OpenAI-compatible stand-in on 127.0.0.1 (scripts/agent_standin.py: look around, a failing
# test, an edit, the test again, submit), in every config the agent ships, and shows what
# `mnem capture` makes of the transcripts they write.
#
# Usage: scripts/agent-releases.sh [OUT_DIR]
#   OUT_DIR   where the transcripts are copied (default: $TMPDIR/mnem-agent-releases/transcripts)
#   MNEM      the mnem binary (default: .build/debug/mnem, built if missing)
#
# Needs the network for PyPI on the first run; not part of CI (it takes minutes and downloads).
# The transcripts it writes are the fixtures in Tests/MnemCaptureTests/Fixtures/agents/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
work=${TMPDIR:-/tmp}/mnem-agent-releases
out=${1:-$work/transcripts}
venv=$work/venv
mkdir -p "$work" "$out"
out=$(cd "$out" && pwd)

mnem=${MNEM:-$repo/.build/debug/mnem}
if [ ! -x "$mnem" ]; then (cd "$repo" && swift build --product mnem >/dev/null); fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade mini-swe-agent aider-chat
mini_version=$("$venv/bin/pip" show mini-swe-agent | sed -n 's/^Version: //p')
aider_version=$("$venv/bin/pip" show aider-chat | sed -n 's/^Version: //p')
echo "mini-swe-agent $mini_version, aider $aider_version"

# The stand-in model, on an ephemeral port; stopped when this script exits.
rm -f "$work/port"
python3 "$here/agent_standin.py" "$work/port" &
standin=$!
trap 'kill $standin 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
base="http://127.0.0.1:$port/v1"

# A small project with a bug and a failing unit test, as a git repository.
project() {
  rm -rf "$1" && mkdir -p "$1"
  printf 'def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n' >"$1/calc.py"
  printf 'import unittest\n\nfrom calc import add, mul\n\n\nclass CalcTest(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\n    def test_mul(self):\n        self.assertEqual(mul(2, 3), 6)\n\n\nif __name__ == "__main__":\n    unittest.main()\n' >"$1/test_calc.py"
  git -C "$1" init -q && git -C "$1" add -A
  git -C "$1" -c user.name=standin -c user.email=standin@example.invalid commit -qm "calc with a bug"
}

task='add() in calc.py returns the wrong result: add(2, 3) gives -1.

The unit tests in test_calc.py show it. Make add() return the sum of its arguments, and keep mul() as it is.'

export MSWEA_GLOBAL_CONFIG_DIR=$work/mswea-config MSWEA_CONFIGURED=true MSWEA_COST_TRACKING=ignore_errors
export MSWEA_SILENT_STARTUP=1 OPENAI_API_KEY=standin LITELLM_LOCAL_MODEL_COST_MAP=True
configs=$("$venv/bin/python" -c 'import minisweagent.config as c, os; print(os.path.dirname(c.__file__))')

# mini-swe-agent: NAME CONFIG [extra -c options…]; MODEL picks the stand-in's variant.
mini() {
  local name=$1 config=$2 model=${MODEL:-openai/mini-standin}
  shift 2
  local dir=$work/mini-$name
  project "$dir"
  (cd "$dir" && "$venv/bin/mini" -c "$config" -c "model.model_kwargs.api_base=$base" -c "environment.cwd=$dir" "$@" \
    -m "$model" -t "$task" --yolo --exit-immediately -o "$out/mini-$name.traj.json" </dev/null >"$work/mini-$name.log" 2>&1) ||
    echo "mini $name exited $? (see $work/mini-$name.log)"
}
local_env=(-c environment.environment_class=local -c model.model_name=openai/mini-standin)
mini toolcall "$configs/mini.yaml"
mini textbased "$configs/mini_textbased.yaml" --model-class litellm_textbased
mini swebench-backticks "$configs/benchmarks/swebench_backticks.yaml" "${local_env[@]}" -c model.model_class=litellm_textbased
mini swebench-xml "$configs/benchmarks/swebench_xml.yaml" "${local_env[@]}" -c model.model_class=litellm_textbased \
  -c 'model.action_regex=<mswea_bash_command>(.*?)</mswea_bash_command>'
mini step-limit "$configs/mini.yaml" -c agent.step_limit=2
MODEL=openai/mini-standin-no-check mini no-check "$configs/mini.yaml"
MODEL=openai/mini-standin-slow mini wall-time "$configs/mini.yaml" -c agent.wall_time_limit_seconds=2

# aider: NAME [aider options…] (standard input: what the user types and answers; --yes-always
# would refuse to run the commands the model suggests, so the answers are typed)
aider() {
  local name=$1
  shift
  local dir=$work/aider-$name
  project "$dir"
  (cd "$dir" && "$venv/bin/aider" --model openai/aider-standin --openai-api-base "$base" --openai-api-key standin \
    --no-check-update --no-show-model-warnings --no-analytics --no-fancy-input --no-pretty --no-gitignore \
    --chat-history-file "$out/aider-$name.chat.history.md" --input-history-file "$work/aider-$name.input" "$@" \
    >"$work/aider-$name.log" 2>&1) || echo "aider $name exited $? (see $work/aider-$name.log)"
}
answers() { for _ in $(seq 20); do echo y; done; }
answers | aider whole --edit-format whole --message "$task" calc.py
answers | aider diff --edit-format diff --message "$task" calc.py
answers | aider diff-fenced --edit-format diff-fenced --message "$task" calc.py
answers | aider udiff --edit-format udiff --message "$task" calc.py
printf '/run python3 -m unittest -v test_calc\ny\n/run python3 -c "import calc; print(calc.add(2, 3))"\ny\n/exit\n' | aider run-only calc.py

echo
for file in "$out"/*; do
  echo "== $(basename "$file")"
  "$mnem" capture --dry-run --json "$file" 2>&1 | python3 -c '
import json, sys
text = sys.stdin.read()
try:
    report = json.loads(text)
except ValueError:
    print(text); sys.exit()
for s in report.get("skipped", []): print("  skipped:", s.get("reason"))
for u in report.get("unchangedSessions", []): print("  unchanged:", u.get("reason"))
for m in report.get("trajectories", []):
    t = m.get("trajectory", {})
    print("  task:", repr(m.get("task", "")[:100]))
    print("  outcome:", m.get("outcome"), json.dumps(m.get("outcomeEvidence")), " domain:", m.get("domain"), "(%s)" % m.get("domainInference"))
    for s in t.get("steps", []):
        print("   ", s.get("tool"), repr(s.get("input", "")[:70]), "exit", s.get("exitStatus"), "err", s.get("isError"),
              "obs", repr(s.get("observation", "")[:60]), "why", repr((s.get("reasoning") or "")[:50]))
    r = t.get("result") or {}
    print("  patch:", repr((r.get("patch") or "")[:80]), " final:", repr((r.get("finalMessage") or "")[:80]))
'
done
echo
echo "transcripts in $out"
