import path from 'node:path';
import { fetchPipelineJournals, type FetchOptions } from '../adapters/gitlab/pipeline-journals.js';
import { findJournals } from '../tracking/journal-finder.js';
import { readWholeJournal } from '../tracking/journal.js';

// `dap sync --pipeline`: the GitLab adapter downloads the jobs' artifacts; which files beyond .dap/
// are needed is read here from the journals (the artifact events name them), so the adapter layer
// never depends on the journal format.

export function fetchPipelineRuns(opts: Omit<FetchOptions, 'alsoExtract'>): Promise<string> {
  return fetchPipelineJournals({ ...opts, alsoExtract: (jobDir) => journalArtifactPaths(findJournals(jobDir)) });
}

/** Relative artifact paths the journals upload (absolute ones are never taken from an archive). */
function journalArtifactPaths(journals: string[]): string[] {
  const out = new Set<string>();
  for (const j of journals) {
    for (const { event } of readWholeJournal(j).entries) {
      if (event.t === 'artifact' && !path.isAbsolute(event.path)) out.add(event.path.replace(/\/+$/, ''));
    }
  }
  return [...out];
}
