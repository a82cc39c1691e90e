#!/usr/bin/env bash
# The project's test command: formatting, lints, then every test of the workspace.
# The integration suite drives the real `kubectl` and the Python `kubernetes` client.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo nextest run --workspace --locked --no-fail-fast "$@"
