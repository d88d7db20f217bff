#!/usr/bin/env bash
# Stages the committed tree with this folder's compose file at its root (where balena push looks for it) and pushes.
# Usage: deploy/balena/push.sh <fleet>
set -euo pipefail
fleet=${1:?usage: deploy/balena/push.sh <fleet>}
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
git -C "$root" archive HEAD | tar -x -C "$stage"
sed -e 's|context: ../..|context: .|' "$here/docker-compose.yml" > "$stage/docker-compose.yml"
cp "$here/balena.yml" "$stage/balena.yml"
balena push "$fleet" --source "$stage"
