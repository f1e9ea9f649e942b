import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeBuildContext } from '../../../src/ops/env/context.js';
import { findProject, loadEnvironment } from '../../../src/ops/env/project.js';

// A proxy CA (DAP_BUILD_CA_CERTS) is a fact about the build machine, not about the environment:
// it goes into the build context, but the image tag must be the same with or without it, so
// machines behind a TLS proxy and machines without one agree on which image is current.

describe('build CA certificates', () => {
  it('reach pip in the Dockerfile but leave the content hash alone', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-ca-'));
    await fs.mkdir(path.join(root, 'environments', 'pipenv'), { recursive: true });
    await fs.writeFile(path.join(root, 'environments', 'pipenv', 'environment.yaml'), 'pip: [requests==2.32.3]\ndap: false\nssh: false\njupyter: false\n');
    const ca = path.join(root, 'proxy-ca.crt');
    await fs.writeFile(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const load = () => loadEnvironment(findProject(root), 'pipenv');

    const env = { ...process.env, DAP_BUILD_CA_CERTS: undefined };
    const plain = await describeBuildContext(await load(), env);
    const proxied = await describeBuildContext(await load(), { ...env, DAP_BUILD_CA_CERTS: ca });

    expect(plain.dockerfile).not.toContain('PIP_CERT');
    expect(proxied.dockerfile).toContain('PIP_CERT=/tmp/dap-ca.pem');
    expect(proxied.generated.some((g) => g.text.includes('MIIB'))).toBe(true);
    expect(proxied.hash).toBe(plain.hash);

    await fs.writeFile(path.join(root, 'environments', 'pipenv', 'environment.yaml'), 'pip: [requests==2.32.4]\ndap: false\nssh: false\njupyter: false\n');
    expect((await describeBuildContext(await load(), env)).hash).not.toBe(plain.hash); // a real change still counts
  });
});
