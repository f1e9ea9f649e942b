// Local: run journals that never reached MLflow and are older than a day (a job or a laptop that
// ran offline and nobody ran `dap sync` since).

import { JOURNAL_MAX_AGE_S } from '../../core/doctor/model.js';
import { findJournals } from '../../tracking/journal-finder.js';
import { defaultJournalDir } from '../../tracking/journal.js';
import { summarizeJournal } from '../../tracking/run-summary.js';
import { pass, warn, type Chain } from './runner.js';

export function journalChain(env: NodeJS.ProcessEnv, cwd: string, now = Date.now()): Chain {
  const dir = defaultJournalDir(env, cwd);
  return [{
    check: 'local.journal', target: dir,
    run: async () => {
      const runs = findJournals(dir).map((f) => summarizeJournal(f)).filter((r) => r !== undefined);
      const stale = runs.filter((r) => r.shippedTo.length === 0 && now - (r.endTime ?? r.startTime) > JOURNAL_MAX_AGE_S * 1000);
      if (!stale.length) return pass(`${runs.length} run journal(s), none unshipped for over a day`);
      const oldest = Math.max(...stale.map((r) => now - (r.endTime ?? r.startTime)));
      return warn(`${stale.length} run(s) not shipped to MLflow, oldest ${Math.floor(oldest / 3_600_000)} h old`, 'ship them: `dap sync` (with MLFLOW_TRACKING_URI set, or after `dap login`)');
    },
  }];
}
