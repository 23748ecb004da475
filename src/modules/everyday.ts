/**
 * The everyday modules (issue #11), listed in one place so the registry imports one name.
 * Ansible's collection prefixes for them (ansible.posix.sysctl, community.general.timezone)
 * are accepted by the registry's canonical().
 */
import type { AnyModule, Module } from './types.js';
import { groupModule } from './group.js';
import { replaceModule } from './replace.js';
import { sysctlModule } from './sysctl.js';
import { cronModule } from './cron.js';
import { hostnameModule } from './hostname.js';
import { timezoneModule } from './timezone.js';
import { mountModule } from './mount.js';
import { waitForModule } from './wait_for.js';
import { slurpModule } from './slurp.js';
import { fetchModule } from './fetch.js';
import { rawModule } from './raw.js';
import { scriptModule } from './script.js';
import { getUrlModule } from './get_url.js';
import { unarchiveModule } from './unarchive.js';
import { aptRepositoryModule } from './apt_repository.js';
import { aptKeyModule } from './apt_key.js';
import { rebootModule } from './reboot.js';

export const EVERYDAY_MODULES: AnyModule[] = [sysctlModule, groupModule, replaceModule, cronModule, hostnameModule, timezoneModule, mountModule,
  waitForModule, slurpModule, fetchModule, rawModule, scriptModule, getUrlModule, unarchiveModule,
  aptRepositoryModule, aptKeyModule, rebootModule].map((m) => m as unknown as Module<never>);

/** Collection prefixes whose modules hostforge implements under the short name. */
export const COLLECTION_PREFIX = /^(?:ansible\.(?:builtin|legacy|posix)|community\.general)\./;
