import { describe, expect, it } from 'vitest';
import { type CompileOptions, compileConstraint, planConstraint } from './compile';
import type { CompiledConstraint, ConstraintRequest } from './compile';
import { ConstraintError } from './errors';
import { checkGrammar, parseGbnf } from './grammar';
import { gbnfAccepts, specAccepts } from './testing/support';

type Compiled = Exclude<CompiledConstraint, { kind: 'none' }>;

async function compiled(req: ConstraintRequest, options: CompileOptions = {}): Promise<Compiled> {
  const c = await compileConstraint(req, options);
  if (c.kind === 'none') throw new Error('expected a grammar');
  // the GBNF always reads back with llama.cpp's rules
  checkGrammar(parseGbnf(c.gbnf));
  return c;
}

/** Both printed forms must agree: the xgrammar form and the GBNF (read with llama.cpp's rules). */
async function accepts(c: Compiled, text: string): Promise<boolean> {
  const viaXGrammar = await specAccepts(c.xgrammar, text);
  const viaGbnf = await gbnfAccepts(c.gbnf, text);
  expect(viaGbnf, `GBNF vs xgrammar on ${JSON.stringify(text)}`).toBe(viaXGrammar);
  return viaXGrammar;
}

async function expectAccepts(c: Compiled, good: string[], bad: string[]): Promise<void> {
  for (const s of good)
    expect(await accepts(c, s), `should accept ${JSON.stringify(s)}`).toBe(true);
  for (const s of bad)
    expect(await accepts(c, s), `should reject ${JSON.stringify(s)}`).toBe(false);
}

async function failure(req: ConstraintRequest): Promise<ConstraintError> {
  try {
    await compileConstraint(req);
  } catch (e) {
    expect(e).toBeInstanceOf(ConstraintError);
    return e as ConstraintError;
  }
  throw new Error('expected a ConstraintError');
}

const person = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 8 },
    age: { type: 'integer', minimum: 0, maximum: 130 },
    tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 2 },
  },
  required: ['name', 'age'],
  additionalProperties: false,
};

describe('kinds', () => {
  it('none without constraint fields, or with tool_choice auto/none', async () => {
    expect(await compileConstraint({})).toEqual({ kind: 'none', warnings: [] });
    expect((await compileConstraint({ response_format: { type: 'text' } })).kind).toBe('none');
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    expect((await compileConstraint({ tools, tool_choice: 'auto' })).kind).toBe('none');
    expect((await compileConstraint({ tools, tool_choice: 'none' })).kind).toBe('none');
    expect((await compileConstraint({ tools })).kind).toBe('none');
  });

  it('json_object: any JSON object', async () => {
    const c = await compiled({ response_format: { type: 'json_object' } });
    expect(c).toMatchObject({ kind: 'json_object', source: 'response_format' });
    expect(c.xgrammar.type).toBe('ebnf'); // the tab's bounded whitespace is written in
    const any = await compiled({ response_format: { type: 'json_object' } }, { whitespace: 'any' });
    expect(any.xgrammar).toMatchObject({ type: 'json_schema', strictMode: false });
    await expectAccepts(
      c,
      ['{}', '{"a": [1, {"b": null}], "c": "d"}', '{\n  "x": true\n}'],
      ['[1]', '"x"', '1', '{"a": }', '{"a": 1', '{"a": 1}x'],
    );
  });

  it('json_schema from response_format, and guided_json as object or text', async () => {
    const good = ['{"name": "Al", "age": 42}', '{"name": "Bea", "age": 0, "tags": ["a", "b"]}'];
    const bad = [
      '{"name": "Al"}',
      '{"name": "", "age": 1}',
      '{"name": "Al", "age": 131}',
      '{"name": "Al", "age": -1}',
      '{"name": "Al", "age": 1.5}',
      '{"name": "Al", "age": 1, "x": 1}',
      '{"name": "Al", "age": 1, "tags": ["c"]}',
      '{"name": "Al", "age": 1, "tags": ["a", "a", "b"]}',
    ];
    const fromFormat = await compiled({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'person', schema: person, strict: true },
      },
    });
    expect(fromFormat).toMatchObject({ kind: 'json_schema', source: 'response_format' });
    await expectAccepts(fromFormat, good, bad);
    const fromObject = await compiled({ guided_json: person });
    expect(fromObject.source).toBe('guided_json');
    await expectAccepts(fromObject, good, bad);
    const fromText = await compiled({ guided_json: JSON.stringify(person) });
    expect(fromText.gbnf).toBe(fromObject.gbnf);
  });

  it('guided_choice: exactly one of the strings', async () => {
    const c = await compiled({ guided_choice: ['yes', 'no', 'y"es\\', 'ça va', ''] });
    expect(c.gbnf).toBe('root ::= "yes" | "no" | "y\\"es\\\\" | "\\u00E7a va" | ""\n');
    await expectAccepts(
      c,
      ['yes', 'no', 'y"es\\', 'ça va', ''],
      ['ye', 'yesno', 'Yes', ' no', 'ca va'],
    );
  });

  it('guided_grammar: GBNF passed to llama.cpp verbatim, re-printed for xgrammar', async () => {
    const grammar = [
      'root ::= expr',
      'expr ::= term (("+" | "-") term)*',
      'term ::= num | "(" expr ")"',
      'num  ::= [0-9]+   # digits',
    ].join('\n');
    const c = await compiled({ guided_grammar: grammar });
    expect(c.gbnf).toBe(grammar);
    expect(c.xgrammar).toMatchObject({ type: 'ebnf', rootRule: 'root' });
    await expectAccepts(c, ['1+2', '(1-2)+30', '7'], ['1+', '(1', '+1', 'a', '1 + 2']);
  });
});

describe('guided_whitespace_pattern', () => {
  const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] };

  it('defaults to any run of spaces, newlines and tabs (xgrammar / vLLM any_whitespace)', async () => {
    const c = await compiled({ guided_json: schema });
    await expectAccepts(
      c,
      ['{"a":1}', '{ "a" : 1 }', '{\n\t"a":\n  1\n}'],
      ['{"a":1}\n', '{\r"a":1}'],
    );
  });

  it('"" allows no whitespace at all', async () => {
    const c = await compiled({ guided_json: schema, guided_whitespace_pattern: '' });
    await expectAccepts(c, ['{"a":1}'], ['{"a": 1}', '{ "a":1}', '{"a":1 }']);
  });

  it('" " requires exactly one space between tokens', async () => {
    const c = await compiled({ guided_json: schema, guided_whitespace_pattern: ' ' });
    await expectAccepts(c, ['{ "a" : 1 }'], ['{"a":1}', '{ "a": 1 }', '{  "a" : 1 }']);
  });

  it('a class pattern, on json_object too', async () => {
    const c = await compiled({
      response_format: { type: 'json_object' },
      guided_whitespace_pattern: '[ ]?',
    });
    expect(c.xgrammar.type).toBe('ebnf');
    await expectAccepts(
      c,
      ['{"a":1}', '{ "a": [1, 2] }', '{"a" : {"b":null} }'],
      ['{\n"a":1}', '{"a":  1}'],
    );
  });

  it('is reported as having no effect on non-JSON kinds', async () => {
    const c = await compiled({ guided_regex: 'a+', guided_whitespace_pattern: ' ' });
    expect(c.warnings[0]).toMatch(/no effect on guided_regex/);
  });

  it('must be a valid regex', async () => {
    const e = await failure({ guided_json: schema, guided_whitespace_pattern: '[ ' });
    expect(e.param).toBe('guided_whitespace_pattern');
    expect(e.message).toMatch(/invalid regular expression/);
  });
});

describe('tool_choice', () => {
  const tools = [
    {
      type: 'function' as const,
      function: {
        name: 'get_weather',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
          required: ['city'],
        },
      },
    },
    {
      type: 'function' as const,
      function: {
        name: 'add',
        parameters: {
          type: 'object',
          properties: { a: { type: 'integer', minimum: 0 }, b: { type: 'integer' } },
          required: ['a', 'b'],
        },
      },
    },
    { type: 'function' as const, function: { name: 'now' } },
  ];
  const call = (name: string, args: string): string =>
    `<tool_call>\n{"name": "${name}", "arguments": ${args}}\n</tool_call>`;

  it('required: at least one call of one of the tools, arguments valid for its schema', async () => {
    const c = await compiled({ tools, tool_choice: 'required' }, { toolCallFormat: 'hermes' });
    expect(c).toMatchObject({
      kind: 'tool_call',
      source: 'tool_choice',
      toolCall: { format: 'hermes', names: ['get_weather', 'add', 'now'], parallel: true },
    });
    await expectAccepts(
      c,
      [
        call('get_weather', '{"city": "Paris"}'),
        call('add', '{"a": 1, "b": -2}'),
        call('now', '{}'),
        `${call('now', '{}')}\n${call('add', '{"a": 0, "b": 0}')}`,
      ],
      [
        '',
        'Sure!',
        call('get_weather', '{"unit": "c"}'),
        call('add', '{"a": -1, "b": 2}'),
        call('nope', '{}'),
        call('now', '{"x": 1}'),
        `${call('now', '{}')}${call('now', '{}')}`,
        `${call('now', '{}')}\n`,
      ],
    );
  });

  it('parallel_tool_calls false: exactly one call', async () => {
    const c = await compiled(
      { tools, tool_choice: 'required', parallel_tool_calls: false },
      { toolCallFormat: 'hermes' },
    );
    expect(c.toolCall?.parallel).toBe(false);
    await expectAccepts(c, [call('now', '{}')], [`${call('now', '{}')}\n${call('now', '{}')}`]);
  });

  it('a named function: exactly that function', async () => {
    const c = await compiled(
      { tools, tool_choice: { type: 'function', function: { name: 'add' } } },
      { toolCallFormat: 'hermes' },
    );
    expect(c.toolCall).toEqual({ format: 'hermes', names: ['add'], parallel: false });
    await expectAccepts(
      c,
      [call('add', '{"a": 3, "b": 4}')],
      [call('now', '{}'), `${call('add', '{"a": 3, "b": 4}')}\n${call('add', '{"a": 3, "b": 4}')}`],
    );
  });

  it('by default, the shapes vLLM forces: a JSON array for required, bare arguments when named', async () => {
    const req = await compiled({ tools, tool_choice: 'required' });
    expect(req.toolCall).toEqual({
      format: 'vllm',
      names: ['get_weather', 'add', 'now'],
      parallel: true,
    });
    const item = (name: string, args: string) => `{"name": "${name}", "parameters": ${args}}`;
    await expectAccepts(
      req,
      [
        `[${item('now', '{}')}]`,
        `[${item('add', '{"a": 1, "b": 2}')}, ${item('get_weather', '{"city": "Oslo"}')}]`,
      ],
      [
        '[]',
        item('now', '{}'),
        `[${item('nope', '{}')}]`,
        `[${item('add', '{"a": -1, "b": 2}')}]`,
        call('now', '{}'),
      ],
    );
    const one = await compiled({ tools, tool_choice: 'required', parallel_tool_calls: false });
    await expectAccepts(
      one,
      [`[${item('now', '{}')}]`],
      [`[${item('now', '{}')}, ${item('now', '{}')}]`],
    );
    const named = await compiled({
      tools,
      tool_choice: { type: 'function', function: { name: 'add' } },
    });
    expect(named.toolCall).toEqual({ format: 'vllm', names: ['add'], parallel: false });
    await expectAccepts(
      named,
      ['{"a": 3, "b": 4}'],
      ['{}', item('add', '{"a": 3, "b": 4}'), call('add', '{"a": 3, "b": 4}')],
    );
  });

  it('the Llama 3 JSON form on request', async () => {
    const c = await compileConstraint(
      { tools, tool_choice: 'required' },
      { toolCallFormat: 'llama3_json' },
    );
    if (c.kind === 'none') throw new Error('expected a grammar');
    expect(await specAccepts(c.xgrammar, '{"name": "add", "parameters": {"a": 1, "b": 2}}')).toBe(
      true,
    );
    expect(await specAccepts(c.xgrammar, call('add', '{"a": 1, "b": 2}'))).toBe(false);
  });

  it('reports loosened keywords of tool schemas with their path', async () => {
    const c = await compiled({
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            parameters: { type: 'object', properties: { x: { type: 'number', multipleOf: 2 } } },
          },
        },
      ],
      tool_choice: 'required',
    });
    expect(c.loosening).toEqual([
      {
        path: '/tools/0/function/parameters/properties/x',
        keyword: 'multipleOf',
        reason: '"multipleOf" is not enforced',
      },
    ]);
  });
});

describe('errors', () => {
  it("more than one of guided_json / guided_regex / guided_choice: vLLM's message", async () => {
    const e = await failure({ guided_json: { type: 'string' }, guided_regex: 'a' });
    expect(e.message).toBe(
      "You can only use one kind of guided decoding ('guided_json', 'guided_regex' or 'guided_choice').",
    );
    expect(e.param).toBe('guided_regex');
  });

  it('other combinations of guided kinds', async () => {
    expect((await failure({ guided_choice: ['a'], guided_grammar: 'root ::= "a"' })).message).toBe(
      'You can only use one kind of guided decoding but multiple are specified: guided_choice, guided_grammar.',
    );
    const e = await failure({ guided_json: {}, response_format: { type: 'json_object' } });
    expect(e.message).toMatch(
      /multiple are specified: guided_json, response_format \(json_object\)/,
    );
    expect(e.param).toBe('response_format');
  });

  it('guided decoding with a forced tool call', async () => {
    const e = await failure({
      guided_regex: 'a',
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'required',
    });
    expect(e).toMatchObject({
      param: 'tool_choice',
      message: 'You can only either use guided decoding or tools, not both.',
    });
  });

  it('unknown guided_decoding_backend names the supported values', async () => {
    for (const backend of ['outlines', 'lm-format-enforcer', 'guidance']) {
      const e = await failure({ guided_regex: 'a', guided_decoding_backend: backend });
      expect(e.param).toBe('guided_decoding_backend');
      expect(e.message).toContain(`"${backend}"`);
      expect(e.message).toMatch(/"xgrammar".*"llama\.cpp"/);
    }
    expect(planConstraint({ guided_regex: 'a', guided_decoding_backend: 'xgrammar' }).kind).toBe(
      'regex',
    );
    expect(planConstraint({ guided_regex: 'a', guided_decoding_backend: 'llama.cpp' }).kind).toBe(
      'regex',
    );
  });

  it("bad schemas say what and where, with xgrammar's own reason when it is xgrammar that refuses", async () => {
    const meta = await failure({
      guided_json: { type: 'object', properties: { a: { type: 'strin' } } },
    });
    expect(meta.param).toBe('guided_json');
    expect(meta.message).toMatch(/^invalid JSON schema at "\/properties\/a\/type": /);
    // draft-07 tuples (which xgrammar refuses) are read as prefixItems
    const tuple = await compiled({
      guided_json: {
        type: 'array',
        items: [{ type: 'integer' }],
        additionalItems: { type: 'boolean' },
      },
    });
    await expectAccepts(tuple, ['[1]', '[1, true, false]'], ['[]', '["a"]', '[1, 2]']);
    const closed = await compiled({ guided_json: { type: 'array', items: [{ type: 'integer' }] } });
    await expectAccepts(closed, ['[1]'], ['[1, 2]']);
    const ref = await failure({ guided_json: { $ref: '#/$defs/missing' } });
    expect(ref.message).toBe(
      'invalid JSON schema at "/": $ref "#/$defs/missing" points to nothing in the schema',
    );
    expect(ref.message).not.toMatch(/Aborted/);
    const text = await failure({ guided_json: '{"type": ' });
    expect(text.message).toMatch(/^guided_json is not valid JSON: /);
    const range = await failure({
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'n',
          schema: {
            type: 'object',
            properties: { n: { type: 'integer', minimum: 5, maximum: 4 } },
          },
        },
      },
    });
    expect(range).toMatchObject({ param: 'response_format.json_schema.schema' });
    expect(range.message).toMatch(
      /"\/properties\/n": no integer satisfies minimum 5 and maximum 4/,
    );
    const noName = await failure({
      response_format: { type: 'json_schema', json_schema: { schema: {} } },
    });
    expect(noName.param).toBe('response_format.json_schema.name');
  });

  it('bad grammars say what and where', async () => {
    const syntax = await failure({ guided_grammar: 'root ::= "a" item\nitem ::= "b" [a-' });
    expect(syntax.param).toBe('guided_grammar');
    expect(syntax.message).toMatch(
      /^invalid grammar: unterminated character class at line 2, column 14/,
    );
    expect((await failure({ guided_grammar: 'root ::= item' })).message).toMatch(
      /"item" is used in rule "root" but not defined/,
    );
    expect((await failure({ guided_grammar: 'root ::= root "a" | "a"' })).message).toMatch(
      /left recursion/,
    );
  });

  it('bad tool_choice / tools', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    expect(
      (await failure({ tools, tool_choice: { type: 'function', function: { name: 'g' } } }))
        .message,
    ).toMatch(/names function "g", which is not among the request's tools \(f\)/);
    expect((await failure({ tool_choice: 'required' })).param).toBe('tools');
    expect((await failure({ tools, tool_choice: 'sometimes' as never })).param).toBe('tool_choice');
  });
});

describe('whitespace between JSON tokens', () => {
  const schema = {
    type: 'object',
    properties: { a: { type: 'string' }, b: { type: 'array', items: {} }, c: { type: 'integer' } },
  };
  const pretty = '{\n  "a": "x",\n  "b": [\n    1,\n    {"k": null}\n  ],\n  "c": 2\n}';

  it('is bounded by default, in both printed forms: compact and pretty JSON pass, loops do not', async () => {
    for (const req of [
      { guided_json: schema },
      { response_format: { type: 'json_object' as const } },
      {
        tools: [{ type: 'function' as const, function: { name: 'f', parameters: schema } }],
        tool_choice: { type: 'function' as const, function: { name: 'f' } },
      },
    ]) {
      const c = await compiled(req);
      expect(c.gbnf).not.toMatch(/\[(\\t|\\n| |-)+\][*+]/); // no unbounded whitespace left
      await expectAccepts(
        c,
        ['{"a":"x","c":2}', '{"a": "x", "c": 2}', pretty, `{\n${' '.repeat(20)}"a": "x"}`],
        [
          '{\n\n"a": "x"}',
          `{\n${' '.repeat(21)}"a": "x"}`,
          '{"a": "x"  }',
          '{"a"\n:\n\n"x"}',
          '{ \n"a": "x"}',
        ],
      );
    }
  });

  it('follows guided_whitespace_pattern (full vLLM semantics) and the "any" option', async () => {
    const loop = `{"a"${'\n'.repeat(30)}: "x"}`;
    const explicit = await compiled({
      guided_json: schema,
      guided_whitespace_pattern: '[ \\n\\t]*',
    });
    await expectAccepts(explicit, [loop, pretty], ['{"a" "x"}']);
    const any = await compiled({ guided_json: schema }, { whitespace: 'any' });
    expect(any.xgrammar.type).toBe('json_schema');
    await expectAccepts(any, [loop, pretty], []);
    const compact = await compiled({ guided_json: schema, guided_whitespace_pattern: '' });
    await expectAccepts(compact, ['{"a":"x","c":2}'], ['{"a": "x"}', pretty]);
  });

  // xgrammar 0.1.27 lets a nullable whitespace *rule* skip a comma; the compiler writes the
  // whitespace in place. This fails if withWhitespace goes back to a `ws ::= …` rule.
  it('never lets whitespace stand in for a comma', async () => {
    for (const ws of [undefined, '[ \\n\\t]*', '( |\\n)?']) {
      const c = await compiled({ guided_json: schema, guided_whitespace_pattern: ws });
      await expectAccepts(
        c,
        ['{"a":"x", "c":1}'],
        ['{"a":"x" "c":1}', '{"a":"x"\n"c":1}', '{"a":"x"\n"b":[] "c":1}'],
      );
    }
  });
});

describe('repetition counts above llama.cpp limit (2000)', () => {
  it('maxLength 3000: the GBNF splits the count and means the same as the xgrammar form', async () => {
    const c = await compiled({ guided_json: { type: 'string', maxLength: 3000 } });
    for (const m of c.gbnf.matchAll(/\{(\d+)(?:,(\d*))?\}/g)) {
      expect(Number(m[1])).toBeLessThanOrEqual(2000);
      if (m[2]) expect(Number(m[2])).toBeLessThanOrEqual(2000);
    }
    const s = (n: number): string => JSON.stringify('a'.repeat(n));
    await expectAccepts(c, [s(0), s(1999), s(2000), s(2001), s(3000)], [s(3001)]);
  });

  it('minLength and maxLength both above the limit', async () => {
    const c = await compiled({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'x', schema: { type: 'string', minLength: 2001, maxLength: 4100 } },
      },
    });
    const s = (n: number): string => JSON.stringify('b'.repeat(n));
    await expectAccepts(c, [s(2001), s(4000), s(4100)], [s(2000), s(4101)]);
  });
});

describe('what the grammar engine does not support is called that', () => {
  it('names the parameter and the construct', async () => {
    const empty = await failure({ guided_json: { type: 'string', pattern: '^(|a)$' } });
    expect(empty.param).toBe('guided_json');
    expect(empty.message).toMatch(
      /^unsupported by the grammar engine \(xgrammar 0\.1\.27\): the pattern "\^\(\|a\)\$" at "\/pattern" .*empty alternative/,
    );
    const nul = await failure({
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'x',
          schema: { type: 'object', properties: { k: { type: 'string', pattern: '[\u0000-a]' } } },
        },
      },
    });
    expect(nul.param).toBe('response_format.json_schema.schema');
    expect(nul.message).toMatch(
      /^unsupported by the grammar engine .* at "\/properties\/k\/pattern" .*U\+0000/,
    );
    const items = await failure({ guided_json: { type: 'array', minItems: 1 } });
    expect(items.message).toMatch(
      /^unsupported by the grammar engine .*: the array at "\/" has minItems 1 but no "items" schema/,
    );
    for (const e of [empty, nul, items]) expect(e.message).not.toMatch(/invalid JSON schema/);
    // the same schema with items, or without strict mode's reading, compiles
    await compiled({ guided_json: { type: 'array', minItems: 1, items: {} } });
  });
});

describe('string length cap (opt-in)', () => {
  const schema = {
    type: 'object',
    properties: {
      free: { type: 'string' },
      long: { type: 'string', minLength: 10 },
      bounded: { type: 'string', maxLength: 20 },
      dated: { type: 'string', format: 'date' },
    },
    required: ['free', 'long', 'bounded', 'dated'],
    additionalProperties: false,
  };
  const doc = (free: number, long: number, bounded: number): string =>
    JSON.stringify({
      free: 'f'.repeat(free),
      long: 'l'.repeat(long),
      bounded: 'b'.repeat(bounded),
      dated: '2024-01-02',
    });

  it('caps strings the schema leaves unbounded, says so, and is off by default', async () => {
    const off = await compiled({ guided_json: schema });
    expect(off.warnings.join()).not.toMatch(/cap/);
    await expectAccepts(off, [doc(100, 50, 20)], []);
    const on = await compiled({ guided_json: schema }, { stringCap: 8 });
    expect(on.warnings.join()).toMatch(/string length cap on: .* at most 8 characters/);
    await expectAccepts(on, [doc(8, 10, 20), doc(0, 10, 0)], [doc(9, 10, 20), doc(8, 9, 20)]);
    // minLength above the cap wins; an explicit maxLength is kept
    await expectAccepts(on, [doc(1, 10, 20)], [doc(1, 11, 20), doc(1, 10, 21)]);
  });
});

describe('strings stay JSON where xgrammar would let raw characters through', () => {
  // xgrammar 0.1.27 writes bounded strings as [^"\\\r\n] and a pattern's "." as any character
  const cases: Array<[string, object]> = [
    ['maxLength', { type: 'string', maxLength: 8 }],
    ['minLength', { type: 'string', minLength: 1 }],
    ['pattern .', { type: 'string', pattern: '^.*$' }],
    ['pattern [\\s\\S]', { type: 'string', pattern: '^[\\s\\S]*$' }],
    ['the string cap', { type: 'string' }],
  ];
  for (const [name, schema] of cases) {
    it(`${name}: no raw tab, control character, quote or backslash; plain text still passes`, async () => {
      for (const whitespace of ['bounded', 'any'] as const) {
        const c = await compileConstraint(
          { guided_json: schema },
          { whitespace, stringCap: name === 'the string cap' ? 8 : null },
        );
        if (c.kind === 'none') throw new Error('no grammar');
        for (const bad of ['"a\tb"', '"a\u0001b"', '"a"b"', '"a\\b"']) {
          expect(await gbnfAccepts(c.gbnf, bad), `${whitespace} gbnf ${bad}`).toBe(false);
          expect(await specAccepts(c.xgrammar, bad), `${whitespace} xgrammar ${bad}`).toBe(false);
        }
        expect(await gbnfAccepts(c.gbnf, '"ab c"')).toBe(true);
        expect(await specAccepts(c.xgrammar, '"ab c"')).toBe(true);
      }
    });
  }

  it('free strings keep their escapes; strings inside objects are covered too', async () => {
    const c = await compileConstraint({
      guided_json: {
        type: 'object',
        properties: { a: { type: 'string', maxLength: 3 }, b: { type: 'string' } },
      },
    });
    if (c.kind === 'none') throw new Error('no grammar');
    expect(await gbnfAccepts(c.gbnf, '{"a":"x\ty"}')).toBe(false);
    expect(await specAccepts(c.xgrammar, '{"a":"x\ty"}')).toBe(false);
    expect(await gbnfAccepts(c.gbnf, '{"a":"xy","b":"q\\"r\\u0009"}')).toBe(true);
    expect(await specAccepts(c.xgrammar, '{"a":"xy","b":"q\\"r\\u0009"}')).toBe(true);
  });
});
