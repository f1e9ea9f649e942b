#!/bin/sh
# compose-up.sh TIMEOUT [SERVICE…] — run from the compose directory.
# `up -d --wait` (every healthcheck green, one-shot jobs completed), then force-recreate the named
# services (their mounted config or secrets changed, which compose cannot see). Prints CHANGED
# when a long-running container was created, replaced or started, so Ansible reports changed
# honestly: the one-shot *-init jobs run on every call and do not count.
set -eu
timeout=$1; shift
dc() { docker compose --env-file ../images.env --env-file settings.env -f service-host.yml "$@"; }
state() { dc ps -a --format '{{.Service}} {{.ID}} {{.State}}' | awk '$1 !~ /-init$/' | sort; }
before=$(state)
dc up -d --wait --wait-timeout "$timeout" --quiet-pull --remove-orphans
# only containers that existed before: a new one already runs the new files
recreate=""
for svc in "$@"; do
  if printf '%s\n' "$before" | grep -q "^$svc "; then recreate="$recreate $svc"; fi
done
if [ -n "$recreate" ]; then
  # shellcheck disable=SC2086
  dc up -d --wait --wait-timeout "$timeout" --no-deps --force-recreate $recreate
  echo CHANGED
fi
[ "$before" = "$(state)" ] || echo CHANGED
