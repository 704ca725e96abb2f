#!/usr/bin/env bash
# Installs what building the examples and running the tests need, when it is missing:
# the wasm32-wasip2 Rust target; the aws CLI and boto3 (the tests' AWS clients);
# kubernetes-validate (deploy/kubernetes/validate.sh checks the manifests with it); Node.js,
# Ruby and curl (the Lambda-runtime test functions); esbuild (TypeScript handlers); the AWS
# SDK for JavaScript v3 that Node.js functions get, as on Lambda; bubblewrap (the sandbox of
# Lambda-runtime processes); Debian's Chromium and playwright-core, which drives it (the
# browser upload test).
# Safe to run again: it only installs what is absent.
set -euo pipefail

say() { printf 'setup: %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  say "adding the wasm32-wasip2 Rust target"
  rustup target add wasm32-wasip2
fi

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v ruby >/dev/null 2>&1 || need_apt+=(ruby)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The PostgreSQL backend's tests start a throwaway server of their own (initdb, pg_ctl).
command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing ${need_apt[*]} with apt-get"
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq && "${apt_get[@]}" install -y -qq "${need_apt[@]}" >/dev/null
fi

# esbuild bundles the TypeScript test services (serverless-esbuild's work).
if ! command -v esbuild >/dev/null 2>&1; then
  say "installing esbuild with npm"
  if [ "$(id -u)" -eq 0 ]; then npm install -g --silent esbuild; else sudo npm install -g --silent esbuild; fi
fi

# The AWS SDK for JavaScript v3, which Lambda's Node.js runtimes include: Node.js functions
# find it after their own node_modules (the server passes NODE_PATH).
sdk_dir="${SQUALL_NODE_SDK:-${XDG_DATA_HOME:-$HOME/.local/share}/squall/node-sdk/node_modules}"
if command -v npm >/dev/null 2>&1 && [ ! -d "$sdk_dir/@aws-sdk/client-dynamodb" ]; then
  say "installing the AWS SDK for JavaScript v3 for Node.js functions into $sdk_dir"
  mkdir -p "$(dirname "$sdk_dir")"
  npm install --silent --no-audit --no-fund --prefix "$(dirname "$sdk_dir")" \
    @aws-sdk/client-dynamodb @aws-sdk/lib-dynamodb @aws-sdk/client-s3 @aws-sdk/s3-request-presigner \
    @aws-sdk/client-sqs @aws-sdk/client-sns @aws-sdk/client-lambda @aws-sdk/client-ssm \
    @aws-sdk/client-secrets-manager @aws-sdk/client-sts @aws-sdk/client-eventbridge @aws-sdk/client-sfn
fi

# playwright-core drives Debian's Chromium (it downloads no browser of its own).
browser_dir="${XDG_DATA_HOME:-$HOME/.local/share}/squall/browser"
if command -v npm >/dev/null 2>&1 && [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  say "installing playwright-core into $browser_dir"
  mkdir -p "$browser_dir"
  npm install --silent --no-audit --no-fund --prefix "$browser_dir" playwright-core@1
fi

need_py=()
command -v aws >/dev/null 2>&1 || need_py+=(awscli)
python3 -c 'import boto3' >/dev/null 2>&1 || need_py+=(boto3)
python3 -c 'import kubernetes_validate' >/dev/null 2>&1 || need_py+=(kubernetes-validate)
if [ ${#need_py[@]} -gt 0 ]; then
  say "installing ${need_py[*]} with pip"
  python3 -m pip install --quiet --disable-pip-version-check "${need_py[@]}"
fi
command -v aws >/dev/null 2>&1 || { say "the aws CLI is still not on PATH after installing it"; exit 1; }
