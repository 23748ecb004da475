/**
 * Preloaded into a child process (NODE_OPTIONS=--import=…/cpu-usage.js, HF_CPU_FILE=path):
 * writes the process's CPU time and peak RSS to HF_CPU_FILE when it exits. Tests bound CPU
 * time rather than wall time, which a loaded machine stretches without limit.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.HF_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS }));
  });
}
