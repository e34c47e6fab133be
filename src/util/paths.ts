import path from 'node:path';

/** `file` is `root` itself or below it (both absolute and normalised: no `..` left to climb out with). */
export function isWithin(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}
