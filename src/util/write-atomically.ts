import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

let tempSeq = 0;

/**
 * Writes through a temp file in the same directory and a rename: a reader never sees half a file. A write
 * that fails (a full disk) leaves no temp file behind and the old file as it was.
 */
export function writeAtomically(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tempSeq}.tmp`);
  try {
    writeFileSync(temp, text, { mode: 0o644 });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
