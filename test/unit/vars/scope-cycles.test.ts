import test from 'ava';
import { InputError } from '../../../src/errors.js';
import { render } from '../../../src/template/render.js';
import { parseYaml } from '../../../src/util/yaml.js';
import { createScope } from '../../../src/vars/scope.js';

test('a variable cycle names where each variable of the chain is written', (t) => {
  const play = parseYaml('vars:\n  alpha: "{{ beta }}/x"\n  unrelated: 1\n', 'play.yaml');
  const group = parseYaml('# group vars\nbeta: "{{ gamma }}"\ngamma: "y{{ alpha }}"\n', 'group_vars/all.yaml');
  const vars = { ...(group.data as object), ...((play.data as { vars: object }).vars) };
  const err = t.throws(() => render('{{ alpha }}', createScope(vars).context)) as InputError;
  t.is(err.code, 'VAR_CYCLE');
  t.regex(err.message, /alpha -> beta -> gamma -> alpha/);
  t.regex(err.message, /\(alpha at play\.yaml:2:3, beta at group_vars\/all\.yaml:2:1, gamma at group_vars\/all\.yaml:3:1\)/);
  t.deepEqual(err.location, { file: 'play.yaml', line: 2, column: 3 });
});

test('a cycle among variables not read from a file still names the chain', (t) => {
  const err = t.throws(() => render('{{ p }}', createScope({ p: '{{ q }}-', q: '{{ p }}+' }).context)) as InputError;
  t.regex(err.message, /variable "p" refers to itself in a cycle: p -> q -> p$/);
  t.is(err.location, undefined);
});
