import * as crypto from 'node:crypto';

// crypto.hash (Node ≥ 20.12) is a one-shot digest, several times cheaper than createHash for short inputs
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

/** Hex sha256 of a string (as UTF-8) or bytes. Pure: the same bytes on every machine. */
export function sha256(text: string | Uint8Array): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}
