/**
 * Shell lines that give a lab host a non-root login account reached with the lab's key,
 * for tests of become (sudo, su) and of non-root writes.
 */
export type SudoRule = 'nopasswd' | 'password' | 'none';

export interface LoginUser {
  name: string;
  /** The lab's public key line. */
  publicKey: string;
  /** Set as the account's password (chpasswd) when given. */
  password?: string;
  /** A sudoers.d rule for the account: without password, with its password, or none. */
  sudo: SudoRule;
}

export function loginUserScript(user: LoginUser): string[] {
  const { name, publicKey } = user;
  const lines = [
    `useradd -m -s /bin/sh ${name}`,
    `mkdir -p /home/${name}/.ssh`,
    `echo '${publicKey}' > /home/${name}/.ssh/authorized_keys`,
    `chown -R ${name}:${name} /home/${name}/.ssh && chmod 700 /home/${name}/.ssh && chmod 600 /home/${name}/.ssh/authorized_keys`,
  ];
  if (user.password !== undefined) lines.push(`echo '${name}:${user.password.replace(/'/g, '')}' | chpasswd`);
  if (user.sudo === 'none') lines.push(`rm -f /etc/sudoers.d/${name}`);
  else {
    const rule = user.sudo === 'nopasswd' ? 'ALL=(ALL) NOPASSWD: ALL' : 'ALL=(ALL) ALL';
    lines.push(`echo '${name} ${rule}' > /etc/sudoers.d/${name} && chmod 0440 /etc/sudoers.d/${name}`);
  }
  return lines;
}
