/** hostforge.yaml: validated with ajv, errors at file:line:column with the schema path. */
import { InputError } from '../errors.js';
import { ajvToInputError, realErrors } from '../playbook/schema.js';
import { loadYamlFile } from '../util/yaml.js';
import { compiled } from '../validation/compile.js';
import { resolvePath, resolvePathList } from './paths.js';
import type { Settings } from './settings.js';

const pathList = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }] };

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    inventory: { ...pathList, description: 'inventory file(s) or directory(ies), used when -i is not given' },
    roles_path: { ...pathList, description: 'directories searched for roles after the playbook\'s roles/ (a list or a ":"-separated string)' },
    forks: { type: 'integer', minimum: 1, description: 'hosts worked on in parallel (-f)' },
    remote_user: { type: 'string', minLength: 1, description: 'login user when the inventory sets no ansible_user (-u)' },
    private_key_file: { type: 'string', minLength: 1, description: 'SSH private key when the inventory sets none (--private-key)' },
    become: { type: 'boolean', description: 'run tasks through sudo (-b)' },
    become_user: { type: 'string', minLength: 1, description: 'user to become (--become-user)' },
    become_method: { type: 'string', enum: ['sudo', 'su'], description: 'how to become' },
    become_ask_pass: { type: 'boolean', description: 'ask for the become password (-K)' },
    vault_password_file: { type: 'string', minLength: 1, description: 'vault password file or script (--vault-password-file)' },
    vault_identity_list: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'vault ids, label@source (--vault-id)' },
    host_key_checking: { type: 'boolean', description: 'false: record unknown host keys (a changed key is still refused)' },
    timeout: { type: 'number', exclusiveMinimum: 0, description: 'SSH connection timeout in seconds (-T)' },
  },
} as const;


type Raw = Partial<Record<keyof typeof CONFIG_SCHEMA.properties, unknown>>;

export async function readHostforgeYaml(file: string): Promise<Settings> {
  const doc = await loadYamlFile(file);
  const data = doc.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new InputError('hostforge.yaml must be a mapping', { code: 'SCHEMA', location: doc.locate([]) });
  const validate = compiled('config', CONFIG_SCHEMA);
  if (!validate(data)) throw ajvToInputError(realErrors(validate.errors ?? [], data), doc, [], 'config', file);
  const r = data as Raw;
  const s: Settings = {};
  if (r.inventory !== undefined) s.inventory = resolvePathList(r.inventory as string | string[], file, ',');
  if (r.roles_path !== undefined) s.rolesPath = resolvePathList(r.roles_path as string | string[], file, ':');
  if (r.forks !== undefined) s.forks = r.forks as number;
  if (r.remote_user !== undefined) s.remoteUser = r.remote_user as string;
  if (r.private_key_file !== undefined) s.privateKeyFile = resolvePath(r.private_key_file as string, file);
  if (r.become !== undefined) s.become = r.become as boolean;
  if (r.become_user !== undefined) s.becomeUser = r.become_user as string;
  if (r.become_method !== undefined) s.becomeMethod = r.become_method as string;
  if (r.become_ask_pass !== undefined) s.becomeAskPass = r.become_ask_pass as boolean;
  if (r.vault_password_file !== undefined) s.vaultPasswordFile = resolvePath(r.vault_password_file as string, file);
  if (r.vault_identity_list !== undefined) s.vaultIdentityList = r.vault_identity_list as string[];
  if (r.host_key_checking !== undefined) s.hostKeyChecking = r.host_key_checking as boolean;
  if (r.timeout !== undefined) s.timeout = r.timeout as number;
  return s;
}
