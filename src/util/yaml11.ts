/**
 * YAML 1.1 scalars as Ansible (PyYAML) reads them: yes/no/on/off are booleans, 0755 is
 * octal, 1_000 is a number, 190:20:30 is sexagesimal; dates stay text. js-yaml's default
 * is YAML 1.2, which would read `mode: 0644` as 644 and `enabled: yes` as a string.
 */
import yaml from 'js-yaml';
import { vaultKeyring } from '../vault/active.js';

const bool11 = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(s),
  construct: (s: string) => /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(s),
});
const INT11 = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT11 = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const sixty = (t: string): number => t.split(':').reduce((a, d) => a * 60 + Number(d), 0);
function num(s: string, f: (t: string) => number): number {
  let t = s.replace(/_/g, '');
  const neg = t[0] === '-';
  if (/^[-+]/.test(t)) t = t.slice(1);
  const v = f(t);
  return neg ? -v : v;
}
const int11 = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string) => INT11.test(s),
  construct: (s: string) =>
    num(s, (t) =>
      t === '0' ? 0 : t.startsWith('0b') ? parseInt(t.slice(2), 2) : t.startsWith('0x') ? parseInt(t.slice(2), 16) : t[0] === '0' ? parseInt(t, 8) : t.includes(':') ? sixty(t) : parseInt(t, 10),
    ),
});
const float11 = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string) => FLOAT11.test(s),
  construct: (s: string) => num(s.toLowerCase(), (t) => (t === '.inf' ? Infinity : t === '.nan' ? NaN : t.includes(':') ? sixty(t) : Number(t))),
});

/** js-yaml 4 exports its built-in types as `types`; @types/js-yaml does not declare it. */
const builtin = (yaml as unknown as { types: Record<'null' | 'merge' | 'binary' | 'omap' | 'pairs' | 'set', yaml.Type> }).types;

/** `!vault |` inline encrypted values: decrypted with the run's keyring as the file is read. */
const vault = new yaml.Type('!vault', {
  kind: 'scalar',
  resolve: (s: unknown) => typeof s === 'string',
  construct: (s: string) => vaultKeyring().decrypt(s).plaintext,
});
/** `!unsafe`: Ansible's "never template this"; read as the plain string. */
const unsafe = new yaml.Type('!unsafe', { kind: 'scalar', construct: (s: string) => s });

export const ANSIBLE_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [builtin.null, bool11, int11, float11, builtin.merge],
  explicit: [builtin.binary, builtin.omap, builtin.pairs, builtin.set, vault, unsafe],
});
