/** What a path is, following links: a regular file, a directory, or neither (missing, other). */
import { access, stat } from 'node:fs/promises';

export async function kindOf(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the path exists (following links), as access(2) with F_OK sees it. */
export async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
