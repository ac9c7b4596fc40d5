#!/usr/bin/env bash
# Live conformance: run tests/live (pytest -m live) against the REAL MUXI formation server.
#
#   scripts/live.sh [extra pytest args]
#
# 1. Installs the real runtime (PyPI `muxi-runtime`) once, with ../shared/real-muxi/install.sh, into
#    $MUXI_RT_HOME (default ~/.cache/muxi-real-runtime); a cached install is reused.
# 2. Starts it (start.sh) on free loopback ports, in a private state directory, with a fake LLM that
#    answers `Echo: <message>`.
# 3. Runs `python -m pytest -m live tests/live` with MUXI_URL / MUXI_CLIENT_KEY / MUXI_ADMIN_KEY exported.
# 4. Stops it (stop.sh), also on failure or Ctrl-C.
#
# Exit codes: pytest's, or 2 when the harness is missing, or 77 when the runtime cannot be installed
# because the package registry is unreachable (CI reports 77 as "live tier not run" without failing).
# Env: PYTHON (python running the tests; default: the active one), MUXI_RT_HOME, MUXI_RT_VERSION,
#      MUXI_REAL_DIR (default <repo>/../shared/real-muxi), RT_PORT / FAKE_LLM_PORT (default: free ports),
#      LIVE_KEEP_STATE=1 (keep the runtime's state dir and logs after the run), RT_VENV (default:
#      tests/live/formation_overlay, the runtime's python plus the formation overlay).
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REAL="${MUXI_REAL_DIR:-$(dirname "$REPO")/shared/real-muxi}"
export MUXI_RT_HOME="${MUXI_RT_HOME:-$HOME/.cache/muxi-real-runtime}"
PY="${PYTHON:-python}"
EX_UNAVAILABLE=77

say() { printf '[live] %s\n' "$*" >&2; }
loud() {
  printf '\n%s\n' "************************************************************************" >&2
  printf '[live] %s\n' "$@" >&2
  printf '%s\n\n' "************************************************************************" >&2
}

for f in install.sh start.sh stop.sh; do
  if [ ! -x "$REAL/$f" ]; then
    loud "real MUXI harness not found: $REAL/$f is missing." \
      "The live tier needs ../shared/real-muxi next to the repository (or MUXI_REAL_DIR=...)." \
      "LIVE TESTS NOT RUN (exit 77: the environment lacks the harness; not a test failure)."
    exit 77
  fi
done

# ---------------------------------------------------------------- 1. install (cached)
T0=$(date +%s)
INSTALL_LOG="$(mktemp -t muxi-live-install.XXXXXX)"
if ! "$REAL/install.sh" >"$INSTALL_LOG" 2>&1; then
  cat "$INSTALL_LOG" >&2
  # "from versions: none": the index answered nothing at all for a package that is published (no network,
  # or a mirror without it); a wrong version would list the versions it has.
  if grep -qiE "NewConnectionError|Failed to establish a new connection|Network is unreachable|Temporary failure in name resolution|Name or service not known|ProxyError|ConnectTimeout|Read timed out|Max retries exceeded|Could not fetch URL|connection broken|Connection refused|from versions: none" "$INSTALL_LOG"; then
    loud "LIVE TESTS NOT RUN: muxi-runtime could not be installed because the package registry is unreachable." \
      "Install it once with network access ($REAL/install.sh, cached in $MUXI_RT_HOME) and re-run." \
      "Exiting with $EX_UNAVAILABLE (tests not run; not a test failure)."
    rm -f "$INSTALL_LOG"
    exit $EX_UNAVAILABLE
  fi
  loud "muxi-runtime install failed (see above)."
  rm -f "$INSTALL_LOG"
  exit 2
fi
say "$(tail -1 "$INSTALL_LOG")"
rm -f "$INSTALL_LOG"

# ---------------------------------------------------------------- 2. start on free ports, private state
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
export RT_PORT="${RT_PORT:-$(free_port)}"
export RT_START_TIMEOUT="${RT_START_TIMEOUT:-300}"  # a cold CI machine imports the runtime slowly
export FAKE_LLM_PORT="${FAKE_LLM_PORT:-$(free_port)}"
while [ "$FAKE_LLM_PORT" = "$RT_PORT" ]; do FAKE_LLM_PORT="$(free_port)"; done
export RT_STATE_DIR="${RT_STATE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/muxi-live-state.XXXXXX")}"
# start.sh runs "$RT_VENV/bin/python": tests/live/formation_overlay's stand-in adds a `proactive:` block to the
# formation start.sh generates, then runs the real runtime's python (in $MUXI_RT_HOME/venv).
export RT_VENV="${RT_VENV:-$REPO/tests/live/formation_overlay}"
unset RT_NETNS MUXI_URL MUXI_SERVER_URL MUXI_FORMATION_ID MUXI_USER_ID

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  say "stopping the runtime"
  "$REAL/stop.sh" >&2 || true
  if [ "${LIVE_KEEP_STATE:-0}" = "1" ] || [ "$rc" -ne 0 ]; then
    say "runtime state and logs kept in $RT_STATE_DIR"
  else
    rm -rf "$RT_STATE_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

T1=$(date +%s)
if ! "$REAL/start.sh" >&2; then
  loud "the real MUXI runtime did not start; logs in $RT_STATE_DIR/logs"
  tail -40 "$RT_STATE_DIR/logs/runtime.log" >&2 2>/dev/null || true
  exit 2
fi
# shellcheck disable=SC1091
. "$RT_STATE_DIR/env.sh"
export MUXI_URL="$MUXI_BASE_URL" MUXI_CLIENT_KEY MUXI_ADMIN_KEY
export MUXI_LIVE_RUNTIME_LOG="$RT_STATE_DIR/logs/runtime.log"
T2=$(date +%s)
say "runtime up at $MUXI_URL (install check $((T1 - T0))s, start $((T2 - T1))s)"

# ---------------------------------------------------------------- 3. the live tier
cd "$REPO"
"$PY" -m pytest -m live tests/live -q -p no:cacheprovider "$@"
rc=$?
say "live tier finished with exit code $rc in $(( $(date +%s) - T2 ))s (total $(( $(date +%s) - T0 ))s)"
exit $rc
