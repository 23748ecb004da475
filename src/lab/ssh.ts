/** The system `ssh` command line that reaches a lab host with the lab's key and known_hosts. */
import { HostforgeError } from '../errors.js';
import type { LabHost, LabInfo } from './types.js';

export function findLabHost(info: LabInfo, host: string | LabHost): LabHost {
  const wanted = typeof host === 'string' ? host : host.name;
  const h = info.hosts.find((x) => x.name === wanted || x.ip === wanted || x.fqdn === wanted);
  if (!h) throw new HostforgeError('LAB', `lab ${JSON.stringify(info.name)} has no host ${JSON.stringify(wanted)}`);
  return h;
}

/** argv up to and including user@ip; append a remote command (one shell string) if wanted. */
export function labSshArgv(info: LabInfo, host: string | LabHost): string[] {
  const h = findLabHost(info, host);
  return [
    'ssh',
    '-F', '/dev/null',
    '-i', info.keyPath,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${info.knownHostsPath}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=5',
    '-o', 'LogLevel=ERROR',
    '-p', '22',
    `root@${h.ip}`,
  ];
}
