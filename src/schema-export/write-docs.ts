/** `npm run docs`: write the generated docs (see docs.ts) into the repository. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from './docs.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
for (const [rel, text] of Object.entries(generatedDocs())) {
  await mkdir(dirname(join(repo, rel)), { recursive: true });
  await writeFile(join(repo, rel), text);
  process.stdout.write(`wrote ${rel}\n`);
}
