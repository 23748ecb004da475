/** fail: fail the task with a message (at plan time, so check mode fails too). */
import { TaskError } from '../errors.js';
import type { ApplyResult, Change } from './types.js';
import type { ReadOnlyModule } from './support/readonly.js';
import { object, str, type Schema } from './support/schema.js';

export interface FailArgs {
  msg?: string;
}

export const failSchema: Schema = object({ msg: str });

export const failModule: ReadOnlyModule<FailArgs> = {
  name: 'fail',
  args: failSchema,
  checkMode: 'full',
  readOnly: true,
  async plan(_host, args): Promise<Change[]> {
    throw new TaskError(args.msg ?? 'Failed as requested from task');
  },
  async apply(_host, _changes, args): Promise<ApplyResult> {
    throw new TaskError(args.msg ?? 'Failed as requested from task');
  },
};
