// Where the Authorization header comes from. A provider is called per attempt, so a token that
// rotates (e.g. re-read from a file) is picked up on retries.

export type CredentialsProvider = () => string | undefined | Promise<string | undefined>;

export type CredentialsKind = 'basic' | 'bearer' | 'none';

/** MLflow's variables: username+password → Basic (checked first, like the Python client), else token → Bearer. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): { kind: CredentialsKind; provider: CredentialsProvider } {
  const user = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (user && password) {
    const header = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    return { kind: 'basic', provider: () => header };
  }
  const token = env.MLFLOW_TRACKING_TOKEN;
  if (token) {
    const header = `Bearer ${token}`;
    return { kind: 'bearer', provider: () => header };
  }
  return { kind: 'none', provider: () => undefined };
}
