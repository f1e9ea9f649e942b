# A runner host for the `dap runners` tests: Debian with OpenSSH (host keys made at start, so
# every container has its own). gitlab-runner is the stand-in from test/ops/runners/double/, mounted
# with node at run time.
FROM local/debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-server procps \
 && rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_* \
 && mkdir -p /run/sshd /root/.ssh && chmod 700 /root/.ssh
