/**
 * kernel_cmdline: add/remove kernel arguments in GRUB_CMDLINE_LINUX_DEFAULT (or
 * GRUB_CMDLINE_LINUX) of /etc/default/grub, keeping the others and their order
 * (see edit/grub.ts). Regenerating grub.cfg is the playbook's handler (`notify:`).
 */
import type { ApplyResult, Change, Module } from './types.js';
import { editGrubCmdline, type GrubVariable } from '../edit/grub.js';
import { applyFileChanges } from './support/apply-files.js';
import { bool, has, nonEmpty, object, oneOfValues, strList, type Schema } from './support/schema.js';
import { planTextFile } from './support/text-file.js';

export interface KernelCmdlineArgs {
  args_present?: string[];
  args_absent?: string[];
  variable?: GrubVariable;
  /** Default /etc/default/grub. */
  path?: string;
  /** Create the file when it is missing (default false: a missing file fails the task). */
  create?: boolean;
  backup?: boolean;
}

export const kernelCmdlineSchema: Schema = object(
  {
    args_present: strList,
    args_absent: strList,
    variable: oneOfValues('GRUB_CMDLINE_LINUX_DEFAULT', 'GRUB_CMDLINE_LINUX'),
    path: nonEmpty,
    create: bool,
    backup: bool,
  },
  [],
  { anyOf: [has('args_present'), has('args_absent')] },
);

export const DEFAULT_GRUB = '/etc/default/grub';

export const kernelCmdlineModule: Module<KernelCmdlineArgs> = {
  name: 'kernel_cmdline',
  args: kernelCmdlineSchema,
  checkMode: 'full',
  // The kernel reads its command line at boot: a changed one is "reboot required" until a reboot.
  rebootNeeded: (changes, args) => (changes.some((c) => c.kind === 'file') ? `kernel command line in ${args.path ?? DEFAULT_GRUB}` : undefined),
  async plan(host, args): Promise<Change[]> {
    const wantsArgs = (args.args_present ?? []).length > 0;
    return planTextFile(
      host,
      args.path ?? DEFAULT_GRUB,
      { create: args.create === true, missingOk: !wantsArgs, ...(args.backup ? { backup: true } : {}) },
      (text) => {
        const r = editGrubCmdline(text ?? '', args);
        return { text: r.text, changed: r.changes.length > 0, msg: r.changes.join('; ') };
      },
    );
  },
  async apply(host, changes, args): Promise<ApplyResult> {
    const r = await applyFileChanges(host, changes);
    const note = changes.find((c) => c.kind === 'file')?.data?.note;
    return {
      path: args.path ?? DEFAULT_GRUB,
      msg: typeof note === 'string' ? note : '',
      ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}),
    };
  },
};
