/** hostforge_pki_dir: each cluster's inventory names its own CA directory (inventories/cluster-*). */
import test from 'ava';
import { join, resolve } from 'node:path';
import { pkiDirOf, pkiDirsOf } from '../../../src/engine/pki-dir.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { REPO } from '../../helpers/cli.js';

const run = (extraVars = {}) => ({ extraVars, playbookDir: REPO, check: false, revealed: new Set<string>() });

test('each example inventory puts its CA beside itself; hosts of one inventory share one CA', async (t) => {
  for (const name of ['cluster-a', 'cluster-b']) {
    const dir = join(REPO, 'inventories', name);
    const inv = await loadInventory([dir]);
    const dirs = pkiDirsOf(inv.hosts(), inv, run());
    t.deepEqual([...dirs.keys()].map((d) => resolve(d ?? '')), [join(dir, '.pki')], name);
    t.is(dirs.values().next().value?.hosts.length, 3);
    t.is(dirs.values().next().value?.warnDays, 30);
  }
});

test('-e hostforge_pki_dir wins over the inventory; unset means the run default', async (t) => {
  const inv = await loadInventory([join(REPO, 'inventories', 'cluster-b')]);
  t.deepEqual([...pkiDirsOf(inv.hosts(), inv, run({ hostforge_pki_dir: '/srv/ca-b' })).keys()], ['/srv/ca-b']);
  t.is(pkiDirOf({}), undefined);
  t.is(pkiDirOf({ hostforge_pki_dir: '' }), undefined);
  t.is(pkiDirOf({ hostforge_pki_dir: '/x' }), '/x');
  t.throws(() => pkiDirOf({ hostforge_pki_dir: 3 }), { message: /hostforge_pki_dir must be a directory path/ });
});
