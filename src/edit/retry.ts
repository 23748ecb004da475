/** Try an async action again after each delay; the last failure is rethrown. */
export async function retry<T>(fn: () => Promise<T>, delaysMs: readonly number[]): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt <= delaysMs.length; attempt++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      const d = delaysMs[attempt];
      if (d === undefined) break;
      await new Promise((r) => setTimeout(r, d));
    }
  }
  throw last;
}
