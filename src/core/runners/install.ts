import type { RunnerHost } from './inventory.js';

// The remote shell steps for each `install:` mode. Every value that goes into them was checked by
// the inventory schema (runner_version is digits and dots; paths are dap's constants), so no user
// text reaches a shell unquoted.

export const RUNNER_CONTAINER = 'dap-gitlab-runner';

export interface InstallSteps {
  /** makes gitlab-runner present (idempotent); prints "installed" when it did something */
  ensure: string;
  /**
   * makes sure the runner runs. A running gitlab-runner reloads a changed config.toml by itself
   * (it checks every 3 s: docs.gitlab.com/runner/configuration/advanced-configuration), so a
   * change needs no restart, and the jobs it is running are not cut off.
   */
  reload: string;
}

export function installSteps(host: RunnerHost): InstallSteps {
  const dir = host.configDir;
  switch (host.install) {
    case 'package': {
      // GitLab's own repository setup (docs.gitlab.com/runner/install/linux-repository)
      const pkg = host.runnerVersion ? `gitlab-runner=${host.runnerVersion}-1` : 'gitlab-runner';
      return {
        ensure: [
          'set -e',
          `mkdir -p ${dir}`,
          `if ! command -v gitlab-runner >/dev/null 2>&1${host.runnerVersion ? ` || ! gitlab-runner --version | grep -q '^Version: *${host.runnerVersion}$'` : ''}; then`,
          '  curl -fsSL https://packages.gitlab.com/install/repositories/runner/gitlab-runner/script.deb.sh | bash >/dev/null',
          `  DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkg} >/dev/null`,
          '  echo installed',
          'fi',
        ].join('\n'),
        reload: 'gitlab-runner status >/dev/null 2>&1 || { gitlab-runner start >/dev/null && echo started; }',
      };
    }
    case 'container': {
      const image = `gitlab/gitlab-runner:v${host.runnerVersion}`;
      return {
        ensure: [
          'set -e',
          `mkdir -p ${dir}`,
          `if [ "$(docker inspect -f '{{.Config.Image}}' ${RUNNER_CONTAINER} 2>/dev/null)" != "${image}" ]; then`,
          `  docker rm -f ${RUNNER_CONTAINER} >/dev/null 2>&1 || true`,
          `  docker run -d --name ${RUNNER_CONTAINER} --restart always -v ${dir}:/etc/gitlab-runner -v /var/run/docker.sock:/var/run/docker.sock ${image} >/dev/null`,
          '  echo installed',
          'fi',
        ].join('\n'),
        reload: `[ "$(docker inspect -f '{{.State.Running}}' ${RUNNER_CONTAINER})" = true ] || { docker start ${RUNNER_CONTAINER} >/dev/null && echo started; }`,
      };
    }
    case 'present':
      return {
        ensure: `command -v gitlab-runner >/dev/null 2>&1 || { echo "gitlab-runner is not installed (install: present)" >&2; exit 3; }\nmkdir -p ${dir}`,
        reload: 'gitlab-runner status >/dev/null 2>&1 || { gitlab-runner start >/dev/null && echo started; }',
      };
  }
}
