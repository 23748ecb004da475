/**
 * Check mode: the engine's predicted host knows packages and services that earlier tasks
 * of the run would have installed or started (Host.predicted). Modules that read those
 * through exec (dpkg-query, systemctl) ask it here; outside check mode it is undefined.
 */
import type { Host } from '../types.js';

export type PredictedResource = 'present' | 'absent' | 'started' | 'stopped';

export function predictedResource(host: Host, kind: 'package' | 'service', target: string): PredictedResource | undefined {
  if (!host.checkMode) return undefined;
  return host.predicted?.(kind, target);
}
