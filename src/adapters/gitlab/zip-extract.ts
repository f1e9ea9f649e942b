import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

// Extracts selected entries of a job-artifacts zip, refusing entries that would escape `dest`.

export async function extractZip(zip: Buffer, dest: string, wanted: (name: string) => boolean): Promise<string[]> {
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true }, (err, z) => (err || !z ? reject(err) : resolve(z))));
  const written: string[] = [];
  const root = path.resolve(dest);
  await new Promise<void>((resolve, reject) => {
    zipfile.on('error', reject);
    zipfile.on('end', () => resolve());
    zipfile.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const target = path.resolve(root, name);
      if (name.endsWith('/') || !wanted(name) || !(target + path.sep).startsWith(root + path.sep) || target === root) {
        zipfile.readEntry();
        return;
      }
      zipfile.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        pipeline(stream, fs.createWriteStream(target)).then(() => {
          written.push(target);
          zipfile.readEntry();
        }, reject);
      });
    });
    zipfile.readEntry();
  });
  return written;
}
