import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownHostKeys, parsePublicKeyLine, pinHostKey, pinnedKeys, removeHostKey } from '../../../src/core/env/known-hosts.js';

// One known_hosts parser for dap's own pins and the user's file (remote Docker hosts).

describe('known_hosts', () => {
  it('pins one key per alias and leaves other lines', () => {
    let kh = '# kept comment\ndap-other ssh-ed25519 AAAAother\n';
    kh = pinHostKey(kh, 'dap-python', { type: 'ssh-ed25519', base64: 'AAAAone' });
    kh = pinHostKey(kh, 'dap-python', { type: 'ssh-ed25519', base64: 'AAAAtwo' });
    expect(pinnedKeys(kh, 'dap-python')).toEqual([{ type: 'ssh-ed25519', base64: 'AAAAtwo' }]);
    expect(pinnedKeys(kh, 'dap-other')).toHaveLength(1);
    expect(kh.startsWith('# kept comment\n')).toBe(true);
    expect(pinnedKeys(removeHostKey(kh, 'dap-python'), 'dap-python')).toHaveLength(0);
    expect(removeHostKey('dap-python ssh-ed25519 AAAA\n', 'dap-python')).toBe('');
  });

  it('finds hashed, comma-listed and [host]:port entries of the user\'s known_hosts', () => {
    const salt = Buffer.from('0123456789abcdefghij');
    const hashed = createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64');
    const kh = `|1|${salt.toString('base64')}|${hashed} ssh-ed25519 AAAAh\nrunner1,10.0.0.9 ssh-rsa AAAAr comment\n`;
    expect(knownHostKeys(kh, '10.0.0.5', 2222)).toEqual([{ type: 'ssh-ed25519', base64: 'AAAAh' }]);
    expect(knownHostKeys(kh, '10.0.0.5')).toEqual([]); // port 22 is a different name
    expect(knownHostKeys(kh, 'runner1')).toEqual([{ type: 'ssh-rsa', base64: 'AAAAr' }]);
    expect(knownHostKeys(kh, '10.0.0.9')).toEqual([{ type: 'ssh-rsa', base64: 'AAAAr' }]);
    expect(knownHostKeys(kh, 'runner2')).toEqual([]);
  });

  it('a CA or revoked key is never taken for the host key; junk lines are skipped', () => {
    const kh = '@cert-authority runner1 ssh-ed25519 AAAAca\n@revoked runner1 ssh-ed25519 AAAAold\nrunner1\nrunner1 not-a-key-type AAAA\nrunner1 ssh-ed25519 AAAAok\n';
    expect(knownHostKeys(kh, 'runner1')).toEqual([{ type: 'ssh-ed25519', base64: 'AAAAok' }]);
  });

  it('reads what ssh-keygen writes: a .pub line, and a hashed entry `ssh-keygen -H` produced', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-kh-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
      const pub = fs.readFileSync(path.join(dir, 'k.pub'), 'utf8');
      const key = parsePublicKeyLine(pub)!;
      expect(key.type).toBe('ssh-ed25519');
      const file = path.join(dir, 'known_hosts');
      fs.writeFileSync(file, `[gpu-box.lan]:2200 ${key.type} ${key.base64}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      const hashed = fs.readFileSync(file, 'utf8');
      expect(hashed).toMatch(/^\|1\|/);
      expect(knownHostKeys(hashed, 'gpu-box.lan', 2200)).toEqual([key]);
      expect(knownHostKeys(hashed, 'gpu-box.lan')).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
