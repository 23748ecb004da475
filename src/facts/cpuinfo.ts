/**
 * Processor facts from /proc/cpuinfo as Ansible's Linux hardware facts compute them
 * (processor, processor_count, processor_cores, processor_threads_per_core, processor_vcpus),
 * including its quirks (a `core id` is only counted while no socket has that id), so that
 * ported playbooks see the same numbers.
 */
export interface CpuFacts {
  processor: string[];
  processor_count: number;
  processor_cores: number;
  processor_threads_per_core: number;
  processor_vcpus: number;
}

const LISTED = new Set(['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor']);

/** `lines`: the /proc/cpuinfo lines the facts script kept; `xenParavirt`: a Xen guest without vme. */
export function cpuFacts(lines: readonly string[], arch: string, xenParavirt: boolean): CpuFacts | undefined {
  if (lines.length === 0) return undefined;
  const processor: string[] = [];
  let i = 0;
  let vendorIds = 0;
  let modelNames = 0;
  let processors = 0;
  // Ansible starts both at the integer 0, a key no cpuinfo string equals.
  const INT_ZERO = '\u0000int 0';
  let physid = INT_ZERO;
  let coreid = INT_ZERO;
  const sockets = new Map<string, number>();
  const cores = new Map<string, number>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const key = (colon < 0 ? line : line.slice(0, colon)).trim();
    const val = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (LISTED.has(key)) {
      processor.push(val);
      if (key === 'vendor_id') vendorIds++;
      if (key === 'model name') modelNames++;
      if (key === 'processor') processors++;
      i++;
    } else if (key === 'physical id') {
      physid = val;
      if (!sockets.has(physid)) sockets.set(physid, 1);
    } else if (key === 'core id') {
      coreid = val;
      if (!sockets.has(coreid)) cores.set(coreid, 1);
    } else if (key === 'cpu cores') sockets.set(physid, Number.parseInt(val, 10));
    else if (key === 'siblings') cores.set(coreid, Number.parseInt(val, 10));
    else if (key === 'ncpus active') i = Number.parseInt(val, 10);
  }
  if (vendorIds > 0 && vendorIds === modelNames) i = vendorIds;
  if (/^(armv|aarch|ppc)/.test(arch)) i = processors;
  if (xenParavirt) return { processor, processor_count: i, processor_cores: i, processor_threads_per_core: 1, processor_vcpus: i };
  const count = sockets.size > 0 ? sockets.size : i;
  const firstSocket = [...sockets.values()][0];
  const coresPerSocket = firstSocket !== undefined && firstSocket > 0 ? firstSocket : 1;
  const firstCore = [...cores.values()][0];
  const threads = Math.floor((firstCore ?? 1) / coresPerSocket);
  return { processor, processor_count: count, processor_cores: coresPerSocket, processor_threads_per_core: threads, processor_vcpus: threads * count * coresPerSocket };
}
