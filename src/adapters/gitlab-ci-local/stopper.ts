import { groupMembers, signal, sleep } from '../exec/process-group.js';

// Stopping a local pipeline on Ctrl-C / SIGTERM. gitlab-ci-local runs in a process group of its
// own (the terminal's Ctrl-C does not reach its jobs directly); on a stop request it is frozen
// first so it starts no further job, every job process gets SIGTERM (`dap track` forwards it to the
// command and journals the run KILLED), stragglers get SIGKILL after the grace period, and only
// then is gitlab-ci-local itself ended. A second request kills the whole group at once.

export interface StopperOptions {
  graceMs?: number;
  onNotice?: (message: string) => void;
}

export class PipelineStopper {
  /** the signal that asked us to stop, if any */
  signal?: NodeJS.Signals;
  private pid?: number;
  private stopping?: Promise<void>;

  constructor(private readonly opts: StopperOptions = {}) {}

  /** the gitlab-ci-local process, leader of its group */
  attach(pid: number): void {
    this.pid = pid;
    if (this.signal && !this.stopping) this.stopping = this.stop(pid);
  }

  request(sig: NodeJS.Signals): void {
    if (this.signal) {
      this.opts.onNotice?.('stopping now (second interrupt): killing every job');
      if (this.pid) signal(-this.pid, 'SIGKILL');
      return;
    }
    this.signal = sig;
    this.opts.onNotice?.(`${sig}: stopping the local pipeline and its jobs (again to kill at once)`);
    if (this.pid) this.stopping = this.stop(this.pid);
  }

  /** resolves once the stop sequence is over (immediately when none was requested) */
  async settled(): Promise<void> {
    await this.stopping;
  }

  /** SIGKILL whatever is left in the group (call once gitlab-ci-local has exited) */
  reap(): number[] {
    if (!this.pid) return [];
    const left = groupMembers(this.pid);
    for (const p of left) signal(p, 'SIGKILL');
    return left;
  }

  private async stop(pid: number): Promise<void> {
    signal(pid, 'SIGSTOP');
    const jobs = () => groupMembers(pid).filter((p) => p !== pid);
    for (const p of jobs()) signal(p, 'SIGTERM');
    const deadline = Date.now() + (this.opts.graceMs ?? 10_000);
    while (jobs().length && Date.now() < deadline) await sleep(100);
    for (const p of jobs()) signal(p, 'SIGKILL');
    signal(pid, 'SIGTERM');
    signal(pid, 'SIGCONT');
    const end = Date.now() + 5000;
    while (signal(pid, 0) && groupMembers(pid).includes(pid) && Date.now() < end) await sleep(100);
    signal(-pid, 'SIGKILL');
  }
}
