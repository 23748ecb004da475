export { gatherFacts } from './gather.js';
export { parseFacts, parseIpAddrLine, osFamily, unquoteOsRelease } from './parse.js';
export { FACTS_SCRIPT } from './script.js';
export { toAnsibleFacts } from './ansible.js';
