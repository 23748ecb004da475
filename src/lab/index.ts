/** The lab: real SSH hosts on this machine, for tests, demos and trying a role safely. */
export type { LabDownOptions, LabHost, LabHostStatus, LabInfo, LabStatus, LabUpOptions } from './types.js';
export { labUp } from './up.js';
export { labDown, type LabDownReport } from './down.js';
export { labInfo, labInventoryPath, labList, labStatus } from './status.js';
export { labSshArgv, findLabHost } from './ssh.js';
export { labUnavailableReason } from './preflight.js';
export { labCpuSeconds } from './cgroup.js';
export { DEFAULT_LAB_NAME, DEFAULT_STATE_ROOT, MAX_HOSTS } from './layout.js';
