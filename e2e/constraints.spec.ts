import { expect, test, type Page } from '@playwright/test';
import Ajv from 'ajv';
import { freshApp, inTab, loadTinyModel } from './pages';

/**
 * Every structured-output constraint holds token by token on the CPU engine (llama.cpp's
 * grammar sampler), with the tiny random model at temperature 1 over several seeds: whatever
 * the model "wants", the output obeys the constraint.
 */

type ToolCall = { id: string; type: string; function: { name: string; arguments: string } };
type Completion = {
  choices: {
    message: { content: string | null; tool_calls?: ToolCall[] };
    finish_reason: string;
  }[];
};

const SEEDS = [1, 2, 3];
const base = {
  model: 'tiny-random',
  messages: [{ role: 'user', content: 'Answer.' }],
  temperature: 1,
  max_completion_tokens: 120,
};
const ajv = new Ajv({ strict: false });

const person = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 6 },
    age: { type: 'integer', minimum: 0, maximum: 120 },
    ok: { type: 'boolean' },
    color: { enum: ['red', 'green', 'blue'] },
  },
  required: ['name', 'age', 'ok', 'color'],
  additionalProperties: false,
};

let page: Page;
test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await freshApp(page);
  await loadTinyModel(page);
});

test.afterAll(async () => {
  await page.close();
});

async function complete(body: Record<string, unknown>): Promise<Completion> {
  const r = await inTab(page, { ...base, ...body });
  if ('thrown' in r) throw new Error(`request failed: ${JSON.stringify(r.thrown)}`);
  return r as unknown as Completion;
}

const content = (c: Completion) => c.choices[0]!.message.content ?? '';

async function closingBias(): Promise<Record<string, number>> {
  // A random model has no reason to ever close a JSON string or object: nudge the tokens
  // that close them, so outputs finish within the token budget (the grammar still decides).
  const ids = await page.evaluate(async () => {
    const w = window as unknown as {
      playground: { lookupToken: (t: string) => Promise<{ id: number; text: string }[]> };
    };
    const find = async (t: string) =>
      (await w.playground.lookupToken(t)).find((m) => m.text === t)?.id;
    return Promise.all(['"', '}', ']'].map(find));
  });
  return Object.fromEntries(
    ids.filter((id): id is number => id !== undefined).map((id) => [String(id), 6]),
  );
}

test('response_format json_object: always one JSON object', async () => {
  const logit_bias = await closingBias();
  for (const seed of SEEDS) {
    const r = await complete({
      seed,
      response_format: { type: 'json_object' },
      logit_bias,
      max_completion_tokens: 200,
    });
    expect(r.choices[0]!.finish_reason, content(r)).toBe('stop');
    const v: unknown = JSON.parse(content(r));
    expect(typeof v === 'object' && v !== null && !Array.isArray(v)).toBe(true);
  }
});

test('response_format json_schema (strict) and guided_json (object and string): valid per ajv', async () => {
  const validate = ajv.compile(person);
  const forms = [
    {
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'person', schema: person, strict: true },
      },
    },
    { guided_json: person },
    { guided_json: JSON.stringify(person) },
  ];
  for (const form of forms) {
    for (const seed of SEEDS) {
      const r = await complete({ seed, ...form });
      const v: unknown = JSON.parse(content(r));
      expect(validate(v), `${JSON.stringify(form).slice(0, 40)} seed ${seed}: ${content(r)}`).toBe(
        true,
      );
    }
  }
});

test('guided_whitespace_pattern decides the whitespace between JSON tokens', async () => {
  const schema = {
    type: 'object',
    properties: { a: { type: 'integer', minimum: 0, maximum: 9 }, b: { type: 'boolean' } },
    required: ['a', 'b'],
  };
  for (const seed of SEEDS) {
    const tight = content(
      await complete({ seed, guided_json: schema, guided_whitespace_pattern: '' }),
    );
    expect(tight).toMatch(/^\{"a":[0-9],"b":(true|false)\}$/);
    const spaced = content(
      await complete({ seed, guided_json: schema, guided_whitespace_pattern: ' ' }),
    );
    expect(spaced).toMatch(/^\{ "a" : [0-9] , "b" : (true|false) \}$/);
  }
});

test('guided_regex: the whole output matches', async () => {
  for (const seed of SEEDS) {
    const out = content(await complete({ seed, guided_regex: '[a-c]{2,5}-[0-9]{3}' }));
    expect(out).toMatch(/^[a-c]{2,5}-[0-9]{3}$/);
  }
});

test('guided_choice: exactly one of the choices', async () => {
  const choices = ['alpha', 'beta', 'gamma delta'];
  const seen = new Set<string>();
  for (const seed of [...SEEDS, 4, 5, 6]) {
    const out = content(await complete({ seed, guided_choice: choices }));
    expect(choices).toContain(out);
    seen.add(out);
  }
  expect(seen.size).toBeGreaterThan(1);
});

test('guided_grammar (GBNF): the output is in the language', async () => {
  const grammar = 'root ::= item ("," item){0,2}\nitem ::= "(" [a-z] [a-z]? ")"';
  for (const seed of SEEDS) {
    const out = content(await complete({ seed, guided_grammar: grammar }));
    expect(out).toMatch(/^\([a-z]{1,2}\)(,\([a-z]{1,2}\)){0,2}$/);
  }
});

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 8 } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      parameters: {
        type: 'object',
        properties: { tz: { enum: ['UTC', 'CET'] } },
        required: ['tz'],
        additionalProperties: false,
      },
    },
  },
];
const argsValid = (call: ToolCall) => {
  const tool = tools.find((t) => t.function.name === call.function.name);
  return (
    tool !== undefined &&
    ajv.validate(tool.function.parameters, JSON.parse(call.function.arguments))
  );
};

test('tool_choice required forces valid calls; a named function forces exactly that one', async () => {
  for (const seed of SEEDS) {
    const req = await complete({ seed, tools, tool_choice: 'required' });
    const calls = req.choices[0]!.message.tool_calls ?? [];
    expect(calls.length, JSON.stringify(req)).toBeGreaterThan(0);
    for (const c of calls) expect(argsValid(c), JSON.stringify(c)).toBe(true);
    expect(req.choices[0]!.finish_reason).toBe('tool_calls');
    const one = await complete({
      seed,
      tools,
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(one.choices[0]!.message.tool_calls ?? []).toHaveLength(1);
    const named = await complete({
      seed,
      tools,
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    const nc = named.choices[0]!.message.tool_calls ?? [];
    expect(nc).toHaveLength(1);
    expect(nc[0]!.function.name).toBe('get_time');
    expect(argsValid(nc[0]!)).toBe(true);
  }
});

test('a streamed tool call through the official client reassembles into valid tool_calls', async () => {
  const r = await inTab(page, { ...base, seed: 9, tools, tool_choice: 'required', stream: true });
  const chunks = r.chunks as {
    choices: {
      delta: {
        tool_calls?: {
          index: number;
          id?: string;
          function?: { name?: string; arguments?: string };
        }[];
      };
    }[];
  }[];
  const calls: ToolCall[] = [];
  for (const c of chunks)
    for (const ch of c.choices)
      for (const d of ch.delta.tool_calls ?? []) {
        const call = (calls[d.index] ??= {
          id: '',
          type: 'function',
          function: { name: '', arguments: '' },
        });
        if (d.id) call.id = d.id;
        call.function.name += d.function?.name ?? '';
        call.function.arguments += d.function?.arguments ?? '';
      }
  expect(calls.length).toBeGreaterThan(0);
  for (const c of calls) {
    expect(c.id).toMatch(/^call_/);
    expect(argsValid(c)).toBe(true);
  }
});

test('bounded strings hold no raw tab even when the model is pushed to write one', async () => {
  // xgrammar writes a string with maxLength as [^"\\\r\n]{0,n}: a raw tab would pass, and the
  // output would not be JSON; the compiler takes control characters out of string content.
  const tab = await page.evaluate(async () => {
    const w = window as unknown as {
      playground: { lookupToken: (t: string) => Promise<{ id: number; text: string }[]> };
    };
    return (await w.playground.lookupToken('\t')).find((m) => m.text === '\t')?.id;
  });
  expect(tab).toBeDefined();
  for (const seed of SEEDS) {
    const r = await complete({
      seed,
      guided_json: { type: 'string', maxLength: 12 },
      logit_bias: { [String(tab)]: 60 },
    });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    const text = content(r);
    expect(text).not.toContain('\t');
    expect(typeof JSON.parse(text)).toBe('string');
  }
});

test('80 schemas refused in a row, then a schema is enforced: no reload needed', async () => {
  // xgrammar 0.1.27 leaks wasm stack on each refusal and one instance breaks after some 30 of
  // them; the compiler in the worker starts a fresh instance after each refusal.
  const refused = { type: 'string', pattern: '^(|a)$' };
  for (let i = 0; i < 80; i++) {
    const r = await inTab(page, { ...base, guided_json: refused });
    expect(r.thrown, `refusal ${i + 1}`).toEqual(expect.objectContaining({ status: 400 }));
    expect(JSON.stringify(r.thrown), `refusal ${i + 1}`).toContain(
      'unsupported by the grammar engine (xgrammar 0.1.27): the pattern',
    );
  }
  const validate = ajv.compile(person);
  const r = await complete({ seed: 1, guided_json: person });
  expect(validate(JSON.parse(content(r))), content(r)).toBe(true);
});

test('bad constraints get errors that say what is wrong', async () => {
  const bad = await inTab(page, { ...base, guided_grammar: 'root ::= undefined-rule' });
  expect(bad.thrown).toEqual(expect.objectContaining({ status: 400 }));
  expect(JSON.stringify(bad.thrown)).toContain('undefined-rule');
  const two = await inTab(page, { ...base, guided_regex: 'a', guided_choice: ['a'] });
  expect(JSON.stringify(two.thrown)).toMatch(/one kind of guided decoding/);
  const backend = await inTab(page, {
    ...base,
    guided_choice: ['a'],
    guided_decoding_backend: 'lm-format-enforcer',
  });
  expect(JSON.stringify(backend.thrown)).toMatch(/xgrammar/);
});

test('the form shows the compiled grammar, schema keywords it will not enforce, and grammar errors', async ({
  page: p,
}) => {
  await freshApp(p);
  await p.locator('#param-guided_regex').fill('[a-c]{2}x');
  await p.getByRole('button', { name: 'View grammar' }).click();
  await expect(p.getByTestId('grammar-text')).toContainText('root');
  await p.locator('#param-guided_regex').fill('');
  await p
    .locator('#param-guided_json')
    .fill(JSON.stringify({ type: 'array', items: { type: 'string' }, uniqueItems: true }));
  await expect(p.getByTestId('schema-loosening')).toContainText('uniqueItems');
  await p.locator('#param-guided_json').fill('');
  await p.locator('#param-guided_grammar').fill('root ::= missing');
  await p.getByRole('button', { name: 'View grammar' }).click();
  await expect(p.getByTestId('grammar-error')).toContainText('missing');
});
