/**
 * @peculiar/x509 v2 loads tsyringe, which demands the Reflect metadata API
 * (normally the `reflect-metadata` package) at import time. This is the small subset
 * tsyringe and tslib's __metadata use, installed only when no polyfill is present.
 * Import this module before '@peculiar/x509' (crl.ts does). Replace with
 * `import 'reflect-metadata'` once that package is a dependency.
 */
type Key = unknown;
type Target = object;
type Prop = string | symbol | undefined;

const store = new WeakMap<Target, Map<Prop, Map<Key, unknown>>>();

function table(target: Target, prop: Prop, create: boolean): Map<Key, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp) {
    if (!create) return undefined;
    byProp = new Map();
    store.set(target, byProp);
  }
  let t = byProp.get(prop);
  if (!t && create) {
    t = new Map();
    byProp.set(prop, t);
  }
  return t;
}

function chain(target: Target): Target[] {
  const out: Target[] = [];
  for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) out.push(t);
  return out;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  const api = {
    defineMetadata: (key: Key, value: unknown, target: Target, prop?: Prop): void => {
      table(target, prop, true)!.set(key, value);
    },
    getOwnMetadata: (key: Key, target: Target, prop?: Prop): unknown => table(target, prop, false)?.get(key),
    hasOwnMetadata: (key: Key, target: Target, prop?: Prop): boolean => table(target, prop, false)?.has(key) ?? false,
    getMetadata: (key: Key, target: Target, prop?: Prop): unknown => {
      for (const t of chain(target)) {
        const m = table(t, prop, false);
        if (m?.has(key)) return m.get(key);
      }
      return undefined;
    },
    hasMetadata: (key: Key, target: Target, prop?: Prop): boolean => chain(target).some((t) => table(t, prop, false)?.has(key)),
    getOwnMetadataKeys: (target: Target, prop?: Prop): Key[] => [...(table(target, prop, false)?.keys() ?? [])],
    getMetadataKeys: (target: Target, prop?: Prop): Key[] => [
      ...new Set(chain(target).flatMap((t) => [...(table(t, prop, false)?.keys() ?? [])])),
    ],
    deleteMetadata: (key: Key, target: Target, prop?: Prop): boolean => table(target, prop, false)?.delete(key) ?? false,
    metadata:
      (key: Key, value: unknown) =>
      (target: Target, prop?: Prop): void => {
        table(target, prop, true)!.set(key, value);
      },
  };
  for (const [name, fn] of Object.entries(api)) {
    Object.defineProperty(Reflect, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

export {};
