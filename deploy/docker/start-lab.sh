#!/usr/bin/env bash
# JupyterLab inside the course's container (the image's CMD; docker-compose.yml runs it).
#
#   start-lab.sh          starts JupyterLab in notebooks/ with the "Go (Deep Learning)" kernel
#   start-lab.sh health   exits 0 when JupyterLab answers (the container's healthcheck)
#
# Access (the variables of docker-compose.yml, also read here):
#   GODL_LAB_BIND            host address compose publishes the port on: 127.0.0.1 (default: this
#                            computer only) or 0.0.0.0 (every network of the host: a lab machine)
#   GODL_LAB_PORT            host port (default 8888), only for the URL printed below
#   GODL_LAB_TOKEN           the token in the URL (default: a new random one at each start)
#   GODL_LAB_PASSWORD_HASH   log in with a password instead of a token; required when
#                            GODL_LAB_BIND is not a loopback address. Make the hash with
#                              docker compose run --rm lab /opt/godl/deploy/docker/start-lab.sh hash-password
#   GODL_LAB_LISTEN          address:port JupyterLab listens on inside the container (default
#                            0.0.0.0:8888: the container's own network, reached only through the
#                            published port)
# Under Zero to JupyterHub this script is not used: the hub starts jupyterhub-singleuser.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/env.sh
. scripts/env.sh

LISTEN=${GODL_LAB_LISTEN:-0.0.0.0:8888}
LISTEN_IP=${LISTEN%:*}
LISTEN_PORT=${LISTEN##*:}
BIND=${GODL_LAB_BIND:-127.0.0.1}
HOST_PORT=${GODL_LAB_PORT:-8888}
PY="$ROOT/.venv/bin/python"

case "${1:-start}" in
  health)
    # /api answers without authentication: {"version": ...}.
    exec "$PY" -c 'import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=4) as r:
    sys.exit(0 if r.status == 200 and b"version" in r.read() else 1)' "http://127.0.0.1:$LISTEN_PORT/api"
    ;;
  hash-password)
    exec "$PY" -c 'from jupyter_server.auth import passwd; print(passwd())'
    ;;
  start) ;;
  *) echo "start-lab.sh: unknown command $1 (start, health, hash-password)" >&2; exit 2 ;;
esac

[ -x .venv/bin/jupyter ] || { echo "start-lab.sh: $ROOT/.venv is missing: the image was built without scripts/setup.sh" >&2; exit 2; }

args=(--no-browser --ip="$LISTEN_IP" --port="$LISTEN_PORT" --ServerApp.port_retries=0
      --ServerApp.root_dir="$ROOT/notebooks")
[ "$(id -u)" != 0 ] || args+=(--allow-root)

case "$BIND" in
  127.*|localhost|::1|"[::1]") loopback=1 ;;
  *) loopback=0 ;;
esac

if [ -n "${GODL_LAB_PASSWORD_HASH:-}" ]; then
  args+=(--PasswordIdentityProvider.hashed_password="$GODL_LAB_PASSWORD_HASH"
         --PasswordIdentityProvider.allow_password_change=False --IdentityProvider.token=)
  where="this machine's address"
  [ "$loopback" = 1 ] && where=127.0.0.1
  url="http://$where:$HOST_PORT/lab (log in with the password)"
elif [ "$loopback" = 1 ]; then
  token=${GODL_LAB_TOKEN:-$("$PY" -c 'import secrets; print(secrets.token_hex(24))')}
  args+=(--IdentityProvider.token="$token")
  url="http://127.0.0.1:$HOST_PORT/lab?token=$token"
else
  cat >&2 <<EOF
start-lab.sh: GODL_LAB_BIND=$BIND opens JupyterLab to the network, so it needs a password.
  1. docker compose run --rm lab /opt/godl/deploy/docker/start-lab.sh hash-password
  2. put the hash it prints in .env next to docker-compose.yml, in single quotes:
       GODL_LAB_PASSWORD_HASH='argon2:\$argon2id\$...'
  3. docker compose up -d
Or leave GODL_LAB_BIND unset: JupyterLab is then reachable from this computer only.
EOF
  exit 2
fi

echo "Go (Deep Learning) JupyterLab: open $url"
echo "then File > New > Notebook > \"Go (Deep Learning)\" (or open 00-welcome.ipynb)."
exec .venv/bin/jupyter lab "${args[@]}"
