import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { UsageError } from '../../errors.js';

// `dap backup` / `dap restore` (what `make backup` and `make restore BACKUP=dir` run). Where the
// services are comes from DAP_BACKUP_* variables (docs/operations.md); defaults: `make services`.

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('backup')
    .description('back up every Postgres database and object-store bucket (and, if asked, the secrets) into a timestamped directory')
    .option('--with-secrets', 'also the secret files, encrypted with $DAP_BACKUP_PASSPHRASE')
    .option('--keep <n>', 'keep only the newest N backups (default: $BACKUP_KEEP)')
    .option('--json', 'print the result as JSON')
    .action(outcomes.action(async (o: { withSecrets?: boolean; keep?: string; json?: boolean }) => {
      const { backupOp } = await import('../../ops/backup/backup.js');
      const raw = o.keep ?? process.env.BACKUP_KEEP;
      const keep = raw === undefined || raw === '' ? undefined : Number(raw);
      if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) throw new UsageError(`--keep / BACKUP_KEEP ${JSON.stringify(raw)} must be a whole number >= 1`);
      const r = await backupOp({ withSecrets: o.withSecrets, keep, onLine: (l) => process.stderr.write(`backup: ${l}\n`) });
      if (o.json) process.stdout.write(JSON.stringify({ dir: r.dir, pruned: r.pruned, manifest: r.manifest }, null, 2) + '\n');
      else process.stdout.write(`${r.dir}\n  ${r.manifest.databases.length} database(s): ${r.manifest.databases.join(', ') || '-'}\n  ${r.manifest.buckets.length} bucket(s): ${r.manifest.buckets.join(', ') || '-'}\n  ${r.manifest.files.length} file(s) in the manifest${r.manifest.secrets ? ', secrets encrypted' : ''}${r.pruned.length ? `\n  pruned ${r.pruned.join(', ')}` : ''}\n`);
    }));

  program
    .command('restore')
    .description('restore a backup: verify every checksum, restore into the stopped services, start them, run dap doctor')
    .argument('<dir>', 'a directory made by dap backup / make backup')
    .option('--stop-services', 'stop MLflow first when it runs (make restore passes it); otherwise a running MLflow is refused')
    .option('--verify-only', 'only check the manifest and checksums')
    .action(outcomes.action(async (dir: string, o: { stopServices?: boolean; verifyOnly?: boolean }) => {
      const { restoreOp, verifyBackup } = await import('../../ops/backup/restore.js');
      if (o.verifyOnly) {
        const m = await verifyBackup(dir);
        process.stdout.write(`${dir}: ${m.files.length} file(s) match the manifest of ${m.created}\n`);
        return;
      }
      const r = await restoreOp({ dir, stopServices: o.stopServices, onLine: (l) => process.stderr.write(`restore: ${l}\n`) });
      const { formatTable } = await import('../format/table.js');
      const { resultRows } = await import('../../core/doctor/model.js');
      process.stdout.write(`restored ${r.databases.length} database(s), ${r.buckets.length} bucket(s) from ${r.dir}\n\ndap doctor:\n`);
      process.stdout.write(formatTable(['check', 'target', 'result', { header: 'detail', maxWidth: 90 }, 'hint'], resultRows(r.doctor.results)));
      return r.doctor.exitCode;
    }));
}
