/**
 * The recap's "reboot required" lines: one per host whose changes take effect only at the next
 * boot, aligned with the recap, with why. Renders only; the engine decided (reboot-required.ts).
 */
export function rebootLines(recapHosts: readonly string[], required: Readonly<Record<string, readonly string[]>> | undefined): string[] {
  const hosts = Object.keys(required ?? {});
  if (!required || hosts.length === 0) return [];
  const width = Math.max(4, ...recapHosts.map((h) => h.length), ...hosts.map((h) => h.length));
  return ['', ...hosts.map((h) => `${h.padEnd(width)} : reboot required: ${(required[h] ?? []).join('; ')}`)];
}
