import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';

// `dap env ...`: thin declarations; the work is in src/ops/env/.

interface Common { dockerHost?: string; host?: string; verbose?: boolean; json?: boolean }

function dockerHostOf(o: Common): string | undefined {
  const h = o.dockerHost ?? o.host;
  if (!h) return undefined;
  return h.includes('://') ? h : `ssh://${h}`;
}

// The CLI is where the process environment enters: ops get it passed in.
async function deps(o: Common) {
  const { envDeps } = await import('../../ops/env/deps.js');
  const { remoteEngine } = await import('../../ops/env/remote.js');
  const host = dockerHostOf(o);
  return envDeps({ dockerHost: host, verbose: o.verbose, env: process.env, engine: host ? await remoteEngine(host, process.env) : undefined });
}

export function register(program: Command): void {
  const env = program.command('env').description('reproducible Docker environments: build, push, dev containers over SSH');
  const withHost = (c: Command) => c.option('--docker-host <url>', 'Docker engine: unix:///path, tcp://host:port or ssh://user@host (default: DOCKER_HOST or /var/run/docker.sock)');

  env.command('render <name>').description('print the Dockerfile dap generates for an environment')
    .action(async (name: string) => {
      const { renderEnvironment } = await import('../../ops/env/render.js');
      const r = await renderEnvironment(name, process.env);
      process.stdout.write(r.dockerfile);
    });

  withHost(env.command('build <name>')).description('build the image (no-op when its content-hash tag exists locally or in the registry)')
    .option('-v, --verbose', 'show the output of every build step')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: Common) => {
      const { buildEnvironment } = await import('../../ops/env/build.js');
      const r = await buildEnvironment(await deps(o), name);
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else process.stdout.write(`${r.image} (${r.source === 'built' ? 'built' : r.source === 'local' ? 'up to date, present locally' : 'up to date, present in the registry'})\n`);
    });

  withHost(env.command('push <name>')).description('build if needed, push with registry auth, record the digest in environments/images.lock.json')
    .option('-v, --verbose', 'show the output of every build step')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: Common) => {
      const { pushEnvironment } = await import('../../ops/env/push.js');
      const r = await pushEnvironment(await deps(o), name);
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else process.stdout.write(`${r.ref}\n`);
    });

  withHost(env.command('up <name>')).description('start a dev container: sshd with a pinned host key, Jupyter with a random token, a persistent workspace')
    .option('--host <host>', 'run on another machine\'s engine over SSH (user@host), like --docker-host ssh://user@host')
    .option('--ssh-port <port>', 'host port for sshd (default: a free port)', parseIntArg)
    .option('--jupyter-port <port>', 'host port for Jupyter (default: a free port)', parseIntArg)
    .option('--identity <file>', 'private key to log in with (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa)')
    .option('--no-ssh-config', 'do not write the Host block into ~/.ssh/config')
    .option('--bind-project', 'mount this project directory at /workspace (default: a persistent workspace volume)')
    .option('-v, --verbose', 'show the output of every build step')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: Common & { sshPort?: number; jupyterPort?: number; identity?: string; sshConfig: boolean; bindProject?: boolean }) => {
      const { upEnvironment } = await import('../../ops/env/up.js');
      const { formatConnect } = await import('../../ops/env/connect.js');
      const r = await upEnvironment(await deps(o), name, {
        sshPort: o.sshPort, jupyterPort: o.jupyterPort, identity: o.identity, writeSshConfig: o.sshConfig, remoteHost: dockerHostOf(o), bindProject: o.bindProject,
      });
      const extra = `workspace: /workspace = ${o.bindProject ? `${r.workspace} (bind mount)` : `volume ${r.workspace}`}\n${r.trackingUri ? `tracking: MLFLOW_TRACKING_URI=${r.trackingUri}\n` : ''}`;
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatConnect(r.connect) + extra);
    });

  withHost(env.command('down <name>')).description('stop and remove the dev container (the workspace volume is kept)')
    .option('--host <host>', 'the engine the container runs on (user@host)')
    .option('--purge', 'also delete the workspace and state volumes')
    .action(async (name: string, o: Common & { purge?: boolean }) => {
      const { downEnvironment } = await import('../../ops/env/down.js');
      const r = await downEnvironment(await deps(o), name, { purge: o.purge ?? false });
      process.stdout.write(r.removed ? `stopped ${r.container}${o.purge ? ' and deleted its volumes' : ' (workspace kept)'}\n` : `${r.container} was not running\n`);
    });

  withHost(env.command('ls')).description('list environments and their dev containers')
    .option('--host <host>', 'the engine to ask (user@host)')
    .option('--json', 'print as JSON')
    .action(async (o: Common) => {
      const { listEnvironments, formatList } = await import('../../ops/env/ls.js');
      const r = await listEnvironments(await deps(o));
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatList(r));
    });

  withHost(env.command('logs <name>')).description('print the dev container\'s logs (sshd, Jupyter)')
    .option('--host <host>', 'the engine the container runs on (user@host)')
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <n>', 'only the last N lines', parseIntArg)
    .action(async (name: string, o: Common & { follow?: boolean; tail?: number }) => {
      const { envLogs } = await import('../../ops/env/logs.js');
      await envLogs(await deps(o), name, { follow: o.follow ?? false, tail: o.tail }, (b) => process.stdout.write(b));
    });

  env.command('ssh-config').description('write the managed `Host dap-NAME` block into ~/.ssh/config for running dev containers (idempotent)')
    .option('--json', 'print the entries as JSON')
    .action(async (o: Common) => {
      const { writeSshConfig } = await import('../../ops/env/ssh-config.js');
      const r = await writeSshConfig(process.env);
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : `${r.changed ? 'updated' : 'unchanged'}: ${r.file} (${r.entries.map((e) => e.alias).join(', ') || 'no running environments'})\n`);
    });

  env.command('connect <name>').description('print the ssh command, the VS Code Remote-SSH URI and the Jupyter URL')
    .option('--json', 'print as JSON')
    .action(async (name: string, o: Common) => {
      const { connectInfo, formatConnect } = await import('../../ops/env/connect.js');
      const r = await connectInfo(name, process.env);
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatConnect(r));
    });
}

function parseIntArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new InvalidArgumentError(`not a port/number: ${v}`);
  return n;
}
