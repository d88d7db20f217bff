#!/bin/sh
# The container's entrypoint: provision the cloud link on first boot, then become the gateway.
#
# balena device and fleet variables arrive as environment variables and are passed on untouched: a variable named
# Cloud__Mqtt__Host is the configuration key Cloud:Mqtt:Host to the gateway (.NET's environment provider maps "__"
# to ":"), so this script maps nothing and never rewrites a value.
#
# First boot: with Cloud__Mode set to anything but None and no {DataDir}/secrets.json yet, run
# `edge-gateway provision --from-config`, which connects with the Cloud:* keys, writes secrets.json and writes a new
# admin token once to {DataDir}/admin-token.once. A provisioning that fails (no network in the store yet, a wrong key)
# is logged in one line and the gateway starts all the same; the next boot tries again. A provisioning that hangs is
# stopped after EDGE_GATEWAY_PROVISION_TIMEOUT seconds, so a black-holed broker cannot keep the gateway down.
#
# Overridable for tests: EDGE_GATEWAY_BIN (the executable), Gateway__DataDir (the data directory, as the gateway
# itself reads it). Arguments given to this script are passed to `edge-gateway run`.
set -eu

bin=${EDGE_GATEWAY_BIN:-/app/edge-gateway}
data_dir=${Gateway__DataDir:-/data}
provision_timeout=${EDGE_GATEWAY_PROVISION_TIMEOUT:-120}

# The gateway reads Cloud:Mode case-insensitively (it is an enum); unset is None.
mode=$(printf '%s' "${Cloud__Mode:-None}" | tr '[:upper:]' '[:lower:]')

provision() {
  # Provisioning must not wait forever on a broker that never answers: timeout is in Debian's coreutils.
  if command -v timeout >/dev/null 2>&1; then
    timeout "$provision_timeout" "$bin" provision --from-config --admin-token-file "$data_dir/admin-token.once"
  else
    "$bin" provision --from-config --admin-token-file "$data_dir/admin-token.once"
  fi
}

if [ "$mode" != none ] && [ ! -e "$data_dir/secrets.json" ]; then
  if provision; then
    echo "entrypoint: provisioned (Cloud:Mode=${Cloud__Mode}); the new admin token is in $data_dir/admin-token.once"
  else
    status=$?
    echo "entrypoint: provisioning failed (exit $status); starting the gateway without it, the next boot tries again" >&2
  fi
fi

exec "$bin" run "$@"
