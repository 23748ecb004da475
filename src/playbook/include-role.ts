/**
 * include_role / import_role inside a task list: the role's tasks (`tasks_from`), with its
 * defaults (`defaults_from`) and vars (`vars_from`), the task's `vars` as role parameters, and
 * the enclosing when/tags/become/blocks inherited. Its handlers join the play's handlers.
 * Both are loaded statically (include_role's per-host `when` is kept on every task).
 */
import { join } from 'node:path';
import { InputError, type SourceLocation } from '../errors.js';
import { loadImport, type ImportChain } from './import-chain.js';
import { findMain, findRole, loadVarsFile } from './roles.js';
import { loadTaskList, type RoleInclude, type RoleTaskLoader, type TaskContext } from './tasks.js';
import type { RoleRef, Task } from './types.js';

export function roleIncluder(searchDirs: string[], handlersOut: Task[], depth = 0): RoleTaskLoader {
  const loader: RoleTaskLoader = async (inc: RoleInclude, usedAt: SourceLocation, inherited: TaskContext['inherited'], chain: ImportChain) => {
    if (depth > 20) throw new InputError(`include_role nested too deep (a cycle?): ${inc.name}`, { code: 'SCHEMA', location: usedAt });
    const path = await findRole(inc.name, searchDirs, usedAt);
    const ref: RoleRef = {
      name: inc.name,
      path,
      defaults: await loadVarsFile(join(path, 'defaults'), inc.defaultsFrom ?? 'main'),
      vars: await loadVarsFile(join(path, 'vars'), inc.varsFrom ?? 'main'),
      params: inc.params,
    };
    const searchPaths = [join(path, 'templates'), join(path, 'files'), path];
    const load = async (sub: string, name: string | undefined, handlers: boolean, required: boolean): Promise<Task[]> => {
      const f = await findMain(join(path, sub), name ?? 'main');
      if (!f) {
        if (required) throw new InputError(`role "${inc.name}" has no ${sub}/${name}.yaml`, { code: 'SCHEMA', location: usedAt });
        return [];
      }
      const doc = await loadImport(`include_role "${inc.name}"`, f, usedAt, chain);
      return loadTaskList(doc.data, [], {
        file: f,
        doc,
        chain: [...chain, f],
        role: ref,
        searchPaths,
        inherited: { ...inherited, vars: { ...inherited.vars } },
        handlers,
        depth: 0,
        loadRoleTasks: roleIncluder(searchDirs, handlersOut, depth + 1),
      });
    };
    handlersOut.push(...(await load('handlers', inc.handlersFrom, true, inc.handlersFrom !== undefined)));
    return load('tasks', inc.tasksFrom, false, inc.tasksFrom !== undefined);
  };
  return loader;
}
