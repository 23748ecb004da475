/**
 * vars_prompt, as ansible-playbook asks it: "PROMPT: " or "PROMPT [DEFAULT]: ", hidden when
 * private (the default), asked twice with confirm, Enter takes the default. A variable given
 * with -e is not asked (extra vars win). Without a terminal an unanswered prompt is refused
 * (exit 1, naming the variable and where it is declared) before any host is contacted.
 * Private answers are secrets. All plays' prompts are asked before the run starts.
 */
import { createInterface } from 'node:readline/promises';
import { InputError } from '../errors.js';
import type { Vars } from '../modules/types.js';
import type { LoadedPlaybook } from '../playbook/load.js';
import type { VarsPrompt } from '../playbook/types.js';
import { taint } from '../util/secret.js';
import { promptHidden } from '../vault/prompt.js';

async function askVisible(message: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await rl.question(message);
  } finally {
    rl.close();
  }
}

async function ask(v: VarsPrompt): Promise<string> {
  const message = v.default !== undefined ? `${v.prompt} [${v.default}]: ` : `${v.prompt}: `;
  const read = (m: string): Promise<string> => (v.private ? promptHidden(m.replace(/: $/, '')) : askVisible(m));
  for (let attempt = 0; attempt < 3; attempt++) {
    const first = await read(message);
    if (v.confirm && (await read(`confirm ${message}`)) !== first) {
      process.stderr.write('***** VALUES ENTERED DO NOT MATCH ****\n');
      continue;
    }
    return first === '' && v.default !== undefined ? v.default : first;
  }
  throw new InputError(`vars_prompt "${v.name}": the values entered did not match three times`, { code: 'USAGE', location: v.location });
}

/** The playbook with each prompted answer in its play's vars (validate: the default, or ''). */
export async function answerVarsPrompts(pb: LoadedPlaybook, extraVars: Vars, mode: 'ask' | 'placeholder'): Promise<LoadedPlaybook> {
  if (!pb.plays.some((p) => p.varsPrompt && p.varsPrompt.length > 0)) return pb;
  const plays = [];
  for (const play of pb.plays) {
    const vars: Vars = { ...play.vars };
    for (const v of play.varsPrompt ?? []) {
      if (v.name in extraVars) continue;
      if (mode === 'placeholder') {
        vars[v.name] = v.default ?? '';
        continue;
      }
      if (!process.stdin.isTTY) {
        throw new InputError(`vars_prompt "${v.name}": no terminal to ask on: give it with -e ${v.name}=...`, { code: 'USAGE', location: v.location });
      }
      const answer = await ask(v);
      if (v.private && answer !== '') taint(answer);
      vars[v.name] = answer;
    }
    plays.push({ ...play, vars });
  }
  return { ...pb, plays };
}
