/** IMPERATIVE SHELL: one bounded read of a regular file, shared by the local readers and the component cache. */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Reads at most `max` bytes of a regular file; undefined when it is larger. Opens without following a final symlink. */
export function readBounded(file: string, max: number): Uint8Array | undefined {
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return undefined;
    // Not zero-filled first (a tenth of a read's cost): only the bytes read are handed out (the subarray below).
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}
