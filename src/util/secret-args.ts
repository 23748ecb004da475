/**
 * Module arguments that are secret by nature, whatever variable they came from: a value passed as
 * `password:` is tainted even when it was held in a variable named `x`. Also any argument value that
 * is private key material.
 */
import { looksLikePrivateKey } from './redact.js';
import { isSecret, taint } from './secret.js';

/** Variable names that hold secrets by convention (etcd_root_password, api_token, vault_x...). */
export const SECRET_NAME = /(password|passphrase|passwd|secret|_token|_pass)$|^vault_/i;

/** Taint the string values of secret-named keys, at any depth (extra vars, inventory vars). */
export function taintByName(vars: unknown, depth = 0): void {
  if (depth > 32 || vars === null || typeof vars !== 'object' || isSecret(vars)) return;
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
    if (typeof v === 'string' && SECRET_NAME.test(k) && !v.includes('{{')) taint(v);
    else if (typeof v === 'object') taintByName(v, depth + 1);
  }
}

export const SECRET_ARG =
  /^(password|passwd|passphrase|token|secret|key_content|private_key|api_key|client_secret|become_password|login_password|update_password_value|(.*_)?(password|passphrase|passwd|secret|token|api_key))$/i;

/** Taint the values of secret-by-nature arguments (at any depth) and of private keys in args. */
export function taintSecretArgs(args: unknown, key = ''): void {
  if (typeof args === 'string') {
    if ((key !== '' && SECRET_ARG.test(key)) || looksLikePrivateKey(args)) taint(args);
    return;
  }
  if (typeof args === 'number' && key !== '' && SECRET_ARG.test(key)) {
    taint(String(args));
    return;
  }
  if (Array.isArray(args)) {
    for (const v of args) taintSecretArgs(v, key);
    return;
  }
  if (args !== null && typeof args === 'object') {
    for (const [k, v] of Object.entries(args)) taintSecretArgs(v, k);
  }
}
