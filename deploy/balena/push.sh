#!/usr/bin/env bash
# Pushes the committed tree (HEAD) to a balena fleet as a new release.
#
# balena builds from the folder it uploads, with docker-compose.yml at its root, and a service's build context must
# be a subfolder of it. The gateway's sources live at the repository root, outside deploy/balena, so this script
# stages an upload folder:
#
#   docker-compose.yml, balena.yml      from deploy/balena
#   gateway/                            the build context: src/, global.json, Directory.*.props,
#                                       plus Dockerfile.template and entrypoint.sh from deploy/balena
#
# Everything comes from HEAD (git archive), so a release is exactly one commit; uncommitted changes are left out
# and the commit is set as the release tag "commit".
#
# Usage: deploy/balena/push.sh <fleet> [balena push options, e.g. --draft --note "..."]
#        deploy/balena/push.sh --stage-only <empty or new directory>   (stage, print the folder, push nothing)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)

stage_only=""
if [ "${1:-}" = "--stage-only" ]; then
  stage_only=${2:?usage: deploy/balena/push.sh --stage-only <directory>}
  shift 2
fi

stage() {
  local dir=$1
  mkdir -p "$dir/gateway"
  git -C "$root" archive HEAD -- src global.json Directory.Build.props Directory.Packages.props \
    | tar -x -C "$dir/gateway"
  git -C "$root" archive HEAD -- deploy/balena/docker-compose.yml deploy/balena/balena.yml \
      deploy/balena/Dockerfile.template deploy/balena/entrypoint.sh \
    | tar -x -C "$dir" --strip-components=2
  mv "$dir/Dockerfile.template" "$dir/entrypoint.sh" "$dir/gateway/"
}

if [ -n "$stage_only" ]; then
  stage "$stage_only"
  echo "$stage_only"
  exit 0
fi

fleet=${1:?usage: deploy/balena/push.sh <fleet> [balena push options]}
shift
commit=$(git -C "$root" rev-parse HEAD)
if [ -n "$(git -C "$root" status --porcelain -- src deploy/balena global.json Directory.Build.props Directory.Packages.props)" ]; then
  echo "push.sh: uncommitted changes are not pushed; pushing HEAD ${commit:0:12}" >&2
fi

upload=$(mktemp -d)
trap 'rm -rf "$upload"' EXIT
stage "$upload"
balena push "$fleet" --source "$upload" --release-tag commit "$commit" "$@"
