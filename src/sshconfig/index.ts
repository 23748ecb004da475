export { defaultSource, loadSource, type Item, type SshConfigSource } from './load.js';
export { resolveRaw, type RawOptions } from './resolve.js';
export { sshOptions, parseJumps, parseHop, type JumpHop, type SshOptions, type StrictHostKeyChecking } from './options.js';
export { parseSshArgs, type SshArgs } from './args.js';
export { expandTilde } from './tokens.js';
