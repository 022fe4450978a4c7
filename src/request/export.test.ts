import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportJson, exportRequest, pythonLiteral, toCurl, toJavaScript, toPython } from './export';
import { importRequest } from './import';
import { PARAM_NAMES, paramSpec } from './params';
import { validRequest } from './testing/arbitraries';
import type { RequestDraft } from './types';

const BASE = { model: 'Qwen3-0.6B', messages: [{ role: 'user', content: 'Hello' }] };
/** A request with OpenAI fields, vLLM fields, booleans, null and nesting. */
const MIXED: RequestDraft = {
  guided_choice: ['yes', 'no'],
  temperature: 0.7,
  ...BASE,
  stream: true,
  include_reasoning: false,
  echo: true,
  max_tokens: null,
  chat_template_kwargs: { enable_thinking: false, nested: { a: [1, true, null] } },
  stop: ["it's", 'say "hi"'],
};

/** A draft's JSON value as a server would parse it (no -0, no undefined). */
const asServerSees = (draft: RequestDraft): unknown => JSON.parse(exportJson(draft));

describe('exportRequest / exportJson', () => {
  it('keeps only set fields, in table order', () => {
    const out = exportRequest({ ...MIXED, top_p: undefined, seed: undefined });
    expect(Object.keys(out)).toEqual([
      'model',
      'messages',
      'include_reasoning',
      'max_tokens',
      'stop',
      'stream',
      'temperature',
      'echo',
      'chat_template_kwargs',
      'guided_choice',
    ]);
    expect(out).not.toHaveProperty('top_p');
    expect(out.max_tokens).toBeNull();
    expect(out.guided_choice).toEqual(['yes', 'no']);
  });

  it('puts any set field in table order, whatever the draft order (property)', () => {
    fc.assert(
      fc.property(validRequest, fc.infiniteStream(fc.nat()), (r, noise) => {
        const shuffled = Object.fromEntries(
          Object.entries(r)
            .map((e) => [noise.next().value, e] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, e]) => e),
        );
        const keys = Object.keys(exportRequest(shuffled));
        expect(keys).toEqual(PARAM_NAMES.filter((n) => r[n] !== undefined));
      }),
      { numRuns: 200 },
    );
  });

  it('leaves out fields that are not parameters', () => {
    expect(exportRequest({ ...BASE, typical_p: 40 })).toEqual(BASE);
  });

  it('prints two-space indented JSON that parses back to the same request', () => {
    const text = exportJson(MIXED);
    expect(text).toContain('\n  "model": "Qwen3-0.6B"');
    expect(JSON.parse(text)).toEqual(exportRequest(MIXED));
  });
});

describe('curl', () => {
  it('posts to <baseUrl>/chat/completions with the JSON body and the key from the env', () => {
    const code = toCurl(BASE, { baseUrl: 'https://example.org/v1/', apiKeyEnv: 'MY_KEY' });
    expect(code.split('\n')[0]).toBe("curl 'https://example.org/v1/chat/completions' \\");
    expect(code).toContain('-H "Authorization: Bearer $MY_KEY"');
    expect(code).toContain("-H 'Content-Type: application/json'");
    expect(importRequest(code).draft).toEqual(BASE);
  });

  it('round-trips every valid request: export -> curl -> import -> export is identical', () => {
    fc.assert(
      fc.property(validRequest, (r) => {
        const imported = importRequest(toCurl(r));
        expect(imported.unknown).toEqual({});
        expect(exportJson(imported.draft)).toBe(exportJson(r));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips through the JSON export too', () => {
    fc.assert(
      fc.property(validRequest, (r) => {
        expect(exportJson(importRequest(exportJson(r)).draft)).toBe(exportJson(r));
      }),
      { numRuns: 300 },
    );
  });

  const bash = spawnSync('bash', ['-c', 'true']);
  it.skipIf(bash.status !== 0)(
    'is quoted so that a real shell passes the body through intact',
    () => {
      const drafts = [MIXED, ...fc.sample(validRequest, { numRuns: 40, seed: 7 })];
      // A shell function stands in for curl and prints the arguments it receives; one shell
      // runs every command, and each call ends its record with the word END.
      const script = [`curl() { printf '%s\\0' "$@" END; }`, ...drafts.map((d) => toCurl(d))];
      const run = spawnSync('bash', ['-c', script.join('\n')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-test-123' },
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(run.status, run.stderr).toBe(0);
      const records: string[][] = [[]];
      for (const word of run.stdout.split('\0').slice(0, -1)) {
        if (word === 'END') records.push([]);
        else records.at(-1)!.push(word);
      }
      expect(records.pop()).toEqual([]);
      expect(records).toHaveLength(drafts.length);
      records.forEach((args, i) => {
        expect(args[0]).toBe('http://localhost:8000/v1/chat/completions');
        expect(args).toContain('Authorization: Bearer sk-test-123');
        expect(args.at(-2)).toBe('-d');
        expect(JSON.parse(args.at(-1)!)).toEqual(asServerSees(drafts[i]!));
      });
    },
  );
});

const python = spawnSync('python3', ['-c', 'import ast, json, sys'], { encoding: 'utf8' });
const hasPython = python.status === 0;

/** What the exported code prints for the stand-in servers' two choices. */
const EVERY_CHOICE = [
  '[choice 0, finish_reason: stop]',
  'reasoning: thinking',
  'ok',
  '[choice 1, finish_reason: tool_calls]',
  'tool call get_weather: {"city": "Paris"}',
  '',
].join('\n');

/**
 * Runs generated Python programs against a stand-in `openai` module whose `create` takes the
 * keyword arguments of openai-python's `chat.completions.create` (those this app can send)
 * and, like the real client, merges extra_body into the JSON body it would post.
 * Returns, per program, the body it would post.
 */
function runPython(
  programs: string[],
): { body: unknown; apiKey: string; baseUrl: string; output: string }[] {
  const harness = String.raw`
import json, sys, types

OPENAI_KWARGS = """model messages frequency_penalty logit_bias logprobs top_logprobs max_tokens
max_completion_tokens n presence_penalty response_format seed stop stream stream_options
temperature top_p tools tool_choice parallel_tool_calls user""".split()

from types import SimpleNamespace as NS

def _fn(name, arguments): return NS(name=name, arguments=arguments)

# Two choices, as a vLLM server sends them: reasoning and text, then a tool call.
class _Response:
    choices = [
        NS(index=0, finish_reason="stop",
           message=NS(content="ok", reasoning="thinking", tool_calls=None)),
        NS(index=1, finish_reason="tool_calls",
           message=NS(content=None, tool_calls=[NS(function=_fn("get_weather", '{"city": "Paris"}'))])),
    ]
    def __iter__(self):
        def chunk(index, finish_reason=None, **delta):
            d = NS(**{"content": None, "tool_calls": None, **delta})
            return NS(choices=[NS(index=index, delta=d, finish_reason=finish_reason)])
        return iter([
            chunk(0, reasoning="think"),
            chunk(1, tool_calls=[NS(index=0, function=_fn("get_weather", None))]),
            chunk(0, reasoning="ing"),
            chunk(1, tool_calls=[NS(index=0, function=_fn(None, '{"city": '))]),
            chunk(0, content="o"),
            chunk(1, tool_calls=[NS(index=0, function=_fn(None, '"Paris"}'))]),
            chunk(0, content="k", finish_reason="stop"),
            chunk(1, finish_reason="tool_calls"),
            NS(choices=[]),
        ])

calls = []
class _Completions:
    def create(self, *, extra_body=None, **kwargs):
        unknown = [k for k in kwargs if k not in OPENAI_KWARGS]
        if unknown:
            raise TypeError("create() got an unexpected keyword argument %r" % unknown[0])
        body = dict(kwargs)
        body.update(extra_body or {})
        calls[-1]["body"] = body
        return _Response()

class OpenAI:
    def __init__(self, *, base_url, api_key):
        calls.append({"baseUrl": base_url, "apiKey": api_key})
        self.chat = types.SimpleNamespace(completions=_Completions())

sys.modules["openai"] = types.SimpleNamespace(OpenAI=OpenAI)
import io, contextlib
for program in json.load(sys.stdin):
    compile(program, "<export>", "exec")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(program, {"__name__": "__main__"})
    calls[-1]["output"] = out.getvalue()
print(json.dumps(calls))
`;
  const run = spawnSync('python3', ['-c', harness], {
    input: JSON.stringify(programs),
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      PYTHONIOENCODING: 'utf-8',
      OPENAI_API_KEY: 'sk-test-123',
      MY_KEY: 'sk-mine',
    },
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as {
    body: unknown;
    apiKey: string;
    baseUrl: string;
    output: string;
  }[];
}

describe('Python', () => {
  it('passes OpenAI fields as keyword arguments and vLLM fields only in extra_body', () => {
    const code = toPython(MIXED);
    const extra = code.slice(code.indexOf('extra_body='));
    const kwargs = code.slice(0, code.indexOf('extra_body='));
    for (const name of Object.keys(exportRequest(MIXED))) {
      const spec = paramSpec(name)!;
      const inExtra = spec.source === 'vllm' || spec.extraBody === true;
      expect(kwargs.includes(`\n    ${name}=`), `${name} as a kwarg`).toBe(!inExtra);
      expect(extra.includes(`\n        "${name}": `), `${name} in extra_body`).toBe(inExtra);
    }
    // openai-python has no include_reasoning argument: it must travel in extra_body.
    expect(extra).toContain('"include_reasoning": False');
  });

  it('writes no extra_body when there are no vLLM fields', () => {
    expect(toPython(BASE)).not.toContain('extra_body');
  });

  it('writes True, False and None, never JSON literals', () => {
    const code = toPython(MIXED);
    expect(code).toContain('stream=True');
    expect(code).toContain('max_tokens=None');
    expect(code).toContain('"enable_thinking": False');
    expect(code).toContain('"a": [\n');
    expect(code).not.toMatch(/\b(true|false|null)\b/);
  });

  it('writes JSON values as Python literals', () => {
    expect(pythonLiteral(null)).toBe('None');
    expect(pythonLiteral(true)).toBe('True');
    expect(pythonLiteral(false)).toBe('False');
    expect(pythonLiteral(1.5)).toBe('1.5');
    expect(pythonLiteral('a "b"\n')).toBe('"a \\"b\\"\\n"');
    expect(pythonLiteral([])).toBe('[]');
    expect(pythonLiteral({})).toBe('{}');
    expect(pythonLiteral({ k: [1, null] })).toBe(
      '{\n    "k": [\n        1,\n        None,\n    ],\n}',
    );
  });

  it.skipIf(!hasPython)(
    'prints every choice with its reasoning, text and tool calls, streamed or not (python3)',
    () => {
      const [plain, streamed] = runPython([
        toPython({ ...BASE, n: 2 }),
        toPython({ ...BASE, n: 2, stream: true }),
      ]);
      expect(plain!.output).toBe(EVERY_CHOICE);
      expect(streamed!.output).toBe(EVERY_CHOICE);
      expect(toPython({ ...BASE, stream: true })).toContain('for chunk in response:');
    },
  );

  it('reads the API key from the environment variable, never a key', () => {
    const code = toPython(BASE, { baseUrl: 'http://h/v1', apiKeyEnv: 'MY_KEY' });
    expect(code).toContain('api_key=os.environ["MY_KEY"]');
    expect(toPython(BASE)).toContain('os.environ["OPENAI_API_KEY"]');
  });

  it.skipIf(!hasPython)(
    'is a Python program that sends exactly the exported body (python3, stand-in client)',
    () => {
      const drafts = [MIXED, BASE, ...fc.sample(validRequest, { numRuns: 60, seed: 42 })];
      const calls = runPython(drafts.map((d) => toPython(d)));
      expect(calls).toHaveLength(drafts.length);
      calls.forEach((call, i) => {
        expect(call.baseUrl).toBe('http://localhost:8000/v1');
        expect(call.apiKey).toBe('sk-test-123');
        expect(call.body).toEqual(asServerSees(drafts[i]!));
      });
      const custom = runPython([toPython(BASE, { baseUrl: 'http://h/v1', apiKeyEnv: 'MY_KEY' })]);
      expect(custom[0]).toMatchObject({ baseUrl: 'http://h/v1', apiKey: 'sk-mine' });
    },
  );
});

/** Two choices, as a vLLM server sends them: reasoning and text, then a tool call. */
function standInResponse() {
  const fn = (name: string | undefined, args: string | undefined) => ({ name, arguments: args });
  const chunk = (index: number, delta: object, finish_reason: string | null = null) => ({
    choices: [{ index, delta, finish_reason }],
  });
  const chunks = [
    chunk(0, { reasoning: 'think' }),
    chunk(1, { tool_calls: [{ index: 0, function: fn('get_weather', undefined) }] }),
    chunk(0, { reasoning: 'ing' }),
    chunk(1, { tool_calls: [{ index: 0, function: fn(undefined, '{"city": ') }] }),
    chunk(0, { content: 'o' }),
    chunk(1, { tool_calls: [{ index: 0, function: fn(undefined, '"Paris"}') }] }),
    chunk(0, { content: 'k' }, 'stop'),
    chunk(1, {}, 'tool_calls'),
    { choices: [] },
  ];
  return {
    choices: [
      { index: 0, finish_reason: 'stop', message: { content: 'ok', reasoning: 'thinking' } },
      {
        index: 1,
        finish_reason: 'tool_calls',
        message: {
          content: null,
          tool_calls: [{ function: fn('get_weather', '{"city": "Paris"}') }],
        },
      },
    ],
    async *[Symbol.asyncIterator]() {
      yield* chunks;
    },
  };
}

/** Runs generated JavaScript with a stand-in OpenAI class; returns what create() received. */
async function runJavaScript(code: string, env: Record<string, string> = {}) {
  const importLine = "import OpenAI from 'openai';\n";
  expect(code.startsWith(importLine)).toBe(true);
  const calls: { options: unknown; body: unknown }[] = [];
  class OpenAI {
    chat: { completions: { create(body: unknown): Promise<unknown> } };
    constructor(options: unknown) {
      const call = { options, body: undefined as unknown };
      calls.push(call);
      this.chat = {
        completions: {
          create: (body) => {
            call.body = body;
            return Promise.resolve(standInResponse());
          },
        },
      };
    }
  }
  const output: string[] = [];
  const fakeProcess = { env, stdout: { write: (s: string) => output.push(s) } };
  const fakeConsole = { log: (s: unknown) => output.push(String(s)) };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...args: unknown[]) => Promise<void>;
  const program = new AsyncFunction('OpenAI', 'process', 'console', code.slice(importLine.length));
  await program(OpenAI, fakeProcess, fakeConsole);
  return { calls, output };
}

describe('JavaScript', () => {
  it('is an ES module that sends exactly the exported body, vLLM fields included', async () => {
    const { calls, output } = await runJavaScript(toJavaScript(MIXED), {
      OPENAI_API_KEY: 'sk-test-123',
    });
    expect(calls).toEqual([
      {
        options: { baseURL: 'http://localhost:8000/v1', apiKey: 'sk-test-123' },
        body: exportRequest(MIXED),
      },
    ]);
    expect(output.join('\n') + '\n').toBe(EVERY_CHOICE);
  });

  it('prints every choice with its reasoning, text and tool calls, streamed or not', async () => {
    const plain = await runJavaScript(toJavaScript({ ...BASE, n: 2 }));
    expect(plain.output.join('\n') + '\n').toBe(EVERY_CHOICE);
    const streamed = await runJavaScript(toJavaScript({ ...BASE, n: 2, stream: true }));
    expect(streamed.output.join('\n') + '\n').toBe(EVERY_CHOICE);
    expect(toJavaScript({ ...BASE, stream: true })).toContain(
      'for await (const chunk of response)',
    );
  });

  it('sends the exported body for every valid request (property)', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest, async (r) => {
        const { calls } = await runJavaScript(toJavaScript(r));
        expect(JSON.stringify(calls[0]!.body)).toBe(JSON.stringify(exportRequest(r)));
      }),
      { numRuns: 150 },
    );
  });

  it('reads the API key from the named environment variable', async () => {
    const code = toJavaScript(BASE, { baseUrl: 'http://h/v1', apiKeyEnv: 'MY_KEY' });
    expect(code).toContain('apiKey: process.env.MY_KEY');
    const { calls } = await runJavaScript(code, { MY_KEY: 'sk-mine' });
    expect(calls[0]!.options).toEqual({ baseURL: 'http://h/v1', apiKey: 'sk-mine' });
  });
});

describe('the API key never appears in exported code', () => {
  it('holds for every format, even with the key in the environment', () => {
    const secret = 'sk-live-DO-NOT-LEAK-0123456789';
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = secret;
    try {
      for (const opts of [undefined, { baseUrl: 'http://h/v1', apiKeyEnv: 'OPENAI_API_KEY' }]) {
        for (const code of [
          toCurl(MIXED, opts),
          toPython(MIXED, opts),
          toJavaScript(MIXED, opts),
        ]) {
          expect(code).not.toContain(secret);
          expect(code).toContain('OPENAI_API_KEY');
        }
      }
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });
});
