import { HOST_KEY_PUB, JUPYTER_PORT, CONTAINER_STATE_DIR, WORKSPACE_DIR } from './types.js';
import { FORWARD_SCRIPT } from './tracking-uri.js';

/** Sourced by every SSH session: the session variables, then `cd` into the workspace. */
export const SESSION_SCRIPT = '/etc/profile.d/dap-session.sh';

// /usr/local/bin/dap-entrypoint, baked into every environment image. One image, two uses:
// - CI (default): exec the given command unchanged, so GitLab Runner's shell works;
// - dev (DAP_DEV=1 or first argument `dap-dev`): create the developer's user, generate host keys
//   on first start into the state volume (never in the image), start Jupyter, then sshd.
//   SSH sessions start in the workspace and see the variables listed in DAP_SESSION_ENV (the
//   tracking server and its credentials): sshd gives sessions a clean environment otherwise.

export const ENTRYPOINT_SCRIPT = `#!/bin/sh
set -eu
if [ "\${1:-}" = dap-dev ]; then shift; DAP_DEV=1; fi
if [ "\${DAP_DEV:-0}" != 1 ]; then
  [ "$#" -gt 0 ] || set -- sh
  exec "$@"
fi

say() { echo "dap-entrypoint: $*"; }
user="\${DAP_USER:-dev}"
uid="\${DAP_UID:-1000}"
gid="\${DAP_GID:-1000}"
# the developer may be root on their machine; the session user never is
[ "$uid" != 0 ] || uid=1000
[ "$gid" != 0 ] || gid=1000
home="/home/$user"

getent group "$gid" >/dev/null || groupadd -g "$gid" "$user"
if ! id -u "$user" >/dev/null 2>&1; then
  useradd -o -m -d "$home" -u "$uid" -g "$gid" -s /bin/bash "$user"
fi
# '*': no password can match, but the account is not locked (sshd refuses locked accounts)
usermod -p '*' "$user"
mkdir -p ${WORKSPACE_DIR} ${CONTAINER_STATE_DIR}/ssh
# a fresh workspace volume becomes the developer's; a bind-mounted project directory is left as it is
[ "\${DAP_WORKSPACE_BIND:-0}" = 1 ] || [ "$(stat -c %u ${WORKSPACE_DIR})" = "$uid" ] || chown "$uid:$gid" ${WORKSPACE_DIR}

if [ "\${DAP_SSH:-1}" = 1 ]; then
  command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || { say "sshd is not installed in this image (set ssh: true)"; exit 1; }
  keys=${CONTAINER_STATE_DIR}/ssh
  if [ ! -s "$keys/ssh_host_ed25519_key" ]; then
    ssh-keygen -q -t ed25519 -N '' -C "dap-$DAP_ENV_NAME" -f "$keys/ssh_host_ed25519_key"
    say "generated host key"
  fi
  chmod 600 "$keys/ssh_host_ed25519_key"
  install -d -m 700 -o "$uid" -g "$gid" "$home/.ssh"
  if [ -n "\${DAP_AUTHORIZED_KEYS:-}" ]; then
    printf '%s\\n' "$DAP_AUTHORIZED_KEYS" > "$home/.ssh/authorized_keys"
  elif [ -s /run/dap/authorized_keys ]; then
    cat /run/dap/authorized_keys > "$home/.ssh/authorized_keys"
  else
    say "no public key given (DAP_AUTHORIZED_KEYS or /run/dap/authorized_keys): nobody can log in"
    : > "$home/.ssh/authorized_keys"
  fi
  chown "$uid:$gid" "$home/.ssh/authorized_keys"; chmod 600 "$home/.ssh/authorized_keys"
  mkdir -p /run/sshd /run/dap
  # the session's variables, single-quoted; readable by the developer only (it may hold a token)
  : > /run/dap/session.env
  for name in \${DAP_SESSION_ENV:-}; do
    value=$(printenv "$name" || true)
    [ -n "$value" ] || continue
    printf "export %s='%s'\\n" "$name" "$(printf '%s' "$value" | sed "s/'/'\\\\\\\\''/g")" >> /run/dap/session.env
  done
  chown "$uid:$gid" /run/dap/session.env; chmod 600 /run/dap/session.env
  # once per session: login shells read it from profile.d; for \`ssh host command\` and sftp,
  # Debian's bash reads /etc/bash.bashrc (and not BASH_ENV) when sshd starts it
  cat > ${SESSION_SCRIPT} <<'SESSION'
[ -z "\${DAP_SESSION_STARTED:-}" ] || return 0
export DAP_SESSION_STARTED=1
[ -r /run/dap/session.env ] && . /run/dap/session.env
if [ "$PWD" = "$HOME" ] && [ -d ${WORKSPACE_DIR} ]; then cd ${WORKSPACE_DIR}; fi
SESSION
  chmod 644 ${SESSION_SCRIPT}
  if [ -f /etc/bash.bashrc ] && ! grep -q dap-session /etc/bash.bashrc; then
    sed -i '1i [ -r ${SESSION_SCRIPT} ] \\&\\& . ${SESSION_SCRIPT}' /etc/bash.bashrc
  fi
  cat > /run/dap/sshd_config <<CFG
Port 22
HostKey $keys/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
AllowUsers $user
UsePAM no
PrintMotd no
X11Forwarding no
AllowTcpForwarding yes
Subsystem sftp /usr/lib/openssh/sftp-server
SetEnv PATH=$PATH LANG=\${LANG:-C.UTF-8}
PidFile /run/sshd.pid
CFG
fi

# a tracking server on the host's loopback: the same address and port answer in here too
# (DAP_TRACKING_FORWARD=address|port|gateway-host|relay-port, see core/env/tracking-uri.ts)
if [ -n "\${DAP_TRACKING_FORWARD:-}" ] && [ -x /opt/dap-cli/node/bin/node ]; then
  mkdir -p /run/dap
  cat > /run/dap/forward.js <<'JS'
${FORWARD_SCRIPT}
JS
  IFS='|' read -r faddr fport fhost frelay <<FWD
$DAP_TRACKING_FORWARD
FWD
  as=""
  [ "$fport" -lt 1024 ] || as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  FORWARD_LISTEN_HOST="$faddr" FORWARD_LISTEN_PORT="$fport" FORWARD_TARGET_HOST="$fhost" FORWARD_TARGET_PORT="$frelay" \
    $as /opt/dap-cli/node/bin/node /run/dap/forward.js &
fi

start_jupyter() {
  j=""
  for sub in lab server notebook; do
    if command -v "jupyter-$sub" >/dev/null 2>&1; then j="jupyter-$sub"; break; fi
  done
  if [ -z "$j" ]; then
    say "jupyter: true but no jupyter lab/server/notebook in the image; not starting it"
  elif [ -z "\${JUPYTER_TOKEN:-}" ]; then
    say "no JUPYTER_TOKEN given; not starting Jupyter without a token"
  else
    say "starting $j on port ${JUPYTER_PORT}"
    # the token comes from JUPYTER_TOKEN (read by Jupyter itself), never from argv (visible in ps)
    exec setpriv --reuid="$uid" --regid="$gid" --init-groups env HOME="$home" USER="$user" \\
      "$j" --ip=0.0.0.0 --port=${JUPYTER_PORT} --no-browser --ServerApp.root_dir=${WORKSPACE_DIR}
  fi
}
if [ "\${DAP_JUPYTER:-0}" = 1 ]; then
  # after sshd is up: on small machines Jupyter's start would otherwise delay the first login
  ( if [ "\${DAP_SSH:-1}" = 1 ]; then i=0; while [ ! -s /run/sshd.pid ] && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.05; done; fi
    start_jupyter ) &
fi

if [ "\${DAP_SSH:-1}" = 1 ]; then
  say "host key $(cut -d' ' -f1,2 ${HOST_KEY_PUB})"
  exec /usr/sbin/sshd -D -e -f /run/dap/sshd_config
fi
wait
`;
