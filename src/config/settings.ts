/**
 * The settings hostforge.yaml holds: those of an ansible.cfg's [defaults] and
 * [privilege_escalation], under the same names. Paths are relative to the file that set them.
 */
export interface Settings {
  inventory?: string[];
  rolesPath?: string[];
  forks?: number;
  remoteUser?: string;
  privateKeyFile?: string;
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: string;
  becomeAskPass?: boolean;
  vaultPasswordFile?: string;
  vaultIdentityList?: string[];
  hostKeyChecking?: boolean;
  timeout?: number;
}

export interface LoadedConfig {
  /** The file the settings came from; none when neither hostforge.yaml nor ansible.cfg was found. */
  file?: string;
  kind: 'hostforge' | 'ansible' | 'none';
  settings: Settings;
}

/** The config key (hostforge.yaml / ansible.cfg name) of each setting. */
export const KEYS = {
  inventory: 'inventory',
  rolesPath: 'roles_path',
  forks: 'forks',
  remoteUser: 'remote_user',
  privateKeyFile: 'private_key_file',
  become: 'become',
  becomeUser: 'become_user',
  becomeMethod: 'become_method',
  becomeAskPass: 'become_ask_pass',
  vaultPasswordFile: 'vault_password_file',
  vaultIdentityList: 'vault_identity_list',
  hostKeyChecking: 'host_key_checking',
  timeout: 'timeout',
} as const satisfies Record<keyof Settings, string>;
