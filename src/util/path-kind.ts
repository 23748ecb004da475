/** What a path is, following links: a regular file, a directory, or neither (missing, other). */
import { stat } from 'node:fs/promises';

export async function kindOf(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}
