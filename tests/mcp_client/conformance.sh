#!/bin/sh
# Runs the MCP conformance suite's server scenarios against `qimg mcp --http` on a fresh library.
# Usage: tests/mcp_client/conformance.sh path/to/qimg   (needs npx and network access to npm)
set -eu
QIMG=$1
HOME_DIR=$(mktemp -d)
export XDG_CONFIG_HOME=$HOME_DIR/config XDG_CACHE_HOME=$HOME_DIR/cache
PORT=${PORT:-18990}
"$QIMG" mcp --http --port "$PORT" 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$HOME_DIR"' EXIT
for i in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
for s in server-initialize ping tools-list; do
  npx -y @modelcontextprotocol/conformance@0.1.10 server --url "http://127.0.0.1:$PORT/mcp" --scenario "$s"
done
