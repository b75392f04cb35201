#!/usr/bin/env bash
# Installs what mnem needs to build and test on Debian, only if it is missing.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite uses)
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists libgit2 2>/dev/null || missing+=(libgit2-dev)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v git >/dev/null 2>&1 || missing+=(git)
if [ "${1:-}" = "--test" ]; then
  command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-pip)
  # The https test runs a real TLS server (openssl s_server) on 127.0.0.1.
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  # The HTTP embedder and LLM compactor load libcurl when they send a request; their tests do.
  ls /usr/lib/*-linux-gnu/libcurl.so.4 /usr/lib/*-linux-gnu/libcurl-gnutls.so.4 >/dev/null 2>&1 || missing+=(libcurl4)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "mnem: installing ${missing[*]}" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "mnem: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
  # The schema test validates files with the reference JSON Schema implementation.
  if ! python3 -c 'import jsonschema, referencing' >/dev/null 2>&1; then
    echo "mnem: installing python jsonschema for the schema tests" >&2
    python3 -m pip install --quiet jsonschema || python3 -m pip install --quiet --break-system-packages jsonschema
  fi
  # The MCP tests drive `mnem mcp` with the official MCP Python SDK at each protocol version.
  if ! python3 -c 'import mcp, mcp_types.version' >/dev/null 2>&1; then
    echo "mnem: installing the MCP Python SDK for the MCP tests" >&2
    python3 -m pip install --quiet mcp || python3 -m pip install --quiet --break-system-packages mcp \
      || echo "mnem: could not install the MCP Python SDK; the MCP SDK tests will be skipped" >&2
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "mnem: the Swift 6 toolchain is not on PATH (install it from swift.org, then run this again)" >&2
  exit 1
fi
