// metrics/get-history: every point of one metric of one run, paged.

import { MlflowHttp } from './api.js';
import { Metric } from './types.js';

export class Metrics {
  constructor(private readonly api: MlflowHttp) {}

  async history(runId: string, key: string, pageSize = 25_000): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.api.get<{ metrics?: Metric[]; next_page_token?: string }>(
        '/metrics/get-history',
        { run_id: runId, metric_key: key, max_results: pageSize, page_token: pageToken },
        `get history of ${key} in run ${runId}`,
      );
      out.push(...(r.metrics ?? []));
      pageToken = r.next_page_token || undefined;
    } while (pageToken);
    return out;
  }
}
