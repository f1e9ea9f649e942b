#!/bin/sh
# host keys on first start; the test mounts its public key at /authorized_keys
set -e
ssh-keygen -A >/dev/null
install -m 600 /authorized_keys /root/.ssh/authorized_keys
exec /usr/sbin/sshd -D -e
