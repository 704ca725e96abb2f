#!/usr/bin/env bash
# Command 2 of the README: run every test. Installs what the tests need first
# (scripts/setup.sh), builds the guest components from source, then runs the workspace's
# unit and end-to-end tests (the end-to-end tests start the real binary on loopback), and
# the end-to-end tests once more with the servers' state in PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
for guest in examples/hello tests/guests/faults; do
  cargo build --quiet --release --target wasm32-wasip2 --manifest-path "$guest/Cargo.toml" --target-dir "$guest/target"
done
# AWS's own Python runtime interface client, carried in a test package as a layer would be.
[ -d tests/guests/lambda/ric/python/awslambdaric ] || \
  python3 -m pip install --quiet --disable-pip-version-check --target tests/guests/lambda/ric/python awslambdaric
# The Rust Lambda function (lambda_runtime), a native bootstrap.
(cd tests/guests/lambda/rust && cargo build --quiet --release --target-dir target && cp target/release/bootstrap bootstrap)
# Then the end-to-end suites again on PostgreSQL (`squall server --store postgres://...`):
# each test's server keeps its state in a throwaway PostgreSQL (initdb, pg_ctl) started
# beside its data directory.
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
  SQUALL_TEST_STORE=postgres cargo nextest run -p squall --test all --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
  SQUALL_TEST_STORE=postgres cargo test -p squall --test all --no-fail-fast "$@"
fi
