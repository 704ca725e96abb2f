#!/usr/bin/env bash
# Command 1 of the README: install squall and run the server with its embedded defaults
# (state in ./.squall, AWS APIs on 127.0.0.1:4566, deployed routes on 127.0.0.1:8080).
# Arguments are passed to `squall server` (see `squall server --help`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/scripts/setup.sh"
root="${SQUALL_INSTALL_ROOT:-$HOME/.cargo}"
cargo install --locked --quiet --path "$here/crates/cli" --root "$root"
printf 'install: squall is at %s/bin/squall\n' "$root" >&2
exec "$root/bin/squall" server "$@"
