/**
 * Static imports (import_tasks, include_role/import_role task files, include_tasks loaded
 * ahead, import_playbook) loaded with the chain of files open above them: a file that imports
 * itself, directly or not, is an error naming the chain (`a.yaml → b.yaml → a.yaml`) at the
 * importing task, instead of "nested too deep" twenty levels later; a file that cannot be read
 * is an error at the task that imports it.
 */
import { dirname, relative, sep } from 'node:path';
import { InputError, type SourceLocation } from '../errors.js';
import { loadYamlFile, type YamlDoc } from '../util/yaml.js';

/** The files being loaded, outermost first (the playbook, then each import). */
export type ImportChain = readonly string[];

/** The cycle `target` would close, shown relative to the outermost file's directory; undefined if none. */
export function importCycle(chain: ImportChain, target: string): string | undefined {
  const i = chain.indexOf(target);
  if (i < 0) return undefined;
  const files = [...chain.slice(i), target];
  const root = commonDir(files);
  return files.map((f) => relative(root, f) || f).join(' → ');
}

function commonDir(files: readonly string[]): string {
  let dir = dirname(files[0]!);
  while (!files.every((f) => f.startsWith(`${dir}${sep}`)) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export class ImportCycleError extends InputError {}

/** Load `target` imported by `what` (e.g. "import_tasks") at `at`, refusing a cycle. */
export async function loadImport(what: string, target: string, at: SourceLocation, chain: ImportChain): Promise<YamlDoc> {
  const cycle = importCycle(chain, target);
  if (cycle) throw new ImportCycleError(`${what} cycle: ${cycle}`, { code: 'SCHEMA', location: at });
  try {
    return await loadYamlFile(target);
  } catch (err) {
    // "cannot read FILE" has no position of its own: it belongs to the importing task.
    if (err instanceof InputError && err.location === undefined) throw new InputError(`${what}: ${err.message}`, { code: 'SCHEMA', location: at, cause: err });
    throw err;
  }
}
