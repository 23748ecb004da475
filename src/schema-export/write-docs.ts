/**
 * `npm run docs`: write the generated docs (see docs.ts) into the repository, or into DIR with
 * `node dist/src/schema-export/write-docs.js DIR` (the test that keeps docs/ current uses it).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from './docs.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = process.argv[2] ? resolve(process.argv[2]) : repo;
for (const [rel, text] of Object.entries(generatedDocs())) {
  await mkdir(dirname(join(out, rel)), { recursive: true });
  await writeFile(join(out, rel), text);
  process.stdout.write(`wrote ${rel}\n`);
}
