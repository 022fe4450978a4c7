import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import {
  type GoldenCase,
  loadGolden,
  readTemplate,
  sha256,
} from '../../tools/template-golden/golden';
import {
  type ChatMessage,
  type RenderInput,
  TemplateError,
  checkTemplateSyntax,
  renderPrompt,
  templateContentFormat,
  templateSyntaxProblem,
} from './renderPrompt';

// Golden prompts rendered by transformers' apply_chat_template (tools/template-golden).
const golden = loadGolden();
const templates = Object.fromEntries(
  Object.entries(golden.templates).map(([name, t]) => [name, readTemplate(t)]),
);
// The clock the generator pinned Python's strftime_now to (a local time).
const fixedNow = (): Date => new Date(golden.fixedNow);

function goldenInput(c: GoldenCase): RenderInput {
  const t = golden.templates[c.template]!;
  return {
    ...c.input,
    messages: c.input.messages as ChatMessage[],
    template: templates[c.template]!,
    specialTokens: t.specialTokens,
    now: fixedNow,
  };
}

describe('golden prompts from transformers', () => {
  it.each(Object.entries(golden.templates))(
    '%s: the template is the one the goldens were generated from',
    (name, t) => {
      const sha = sha256(templates[name]!);
      expect(sha, `${t.source} changed: rerun tools/template-golden/generate.py`).toBe(t.sha256);
      expect(templateContentFormat(templates[name]!)).toBe(t.contentFormat);
    },
  );

  const ok = golden.cases.filter((c) => c.expected !== undefined);
  const failing = golden.cases.filter((c) => c.error !== undefined);

  it.each(ok.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(renderPrompt(goldenInput(c))).toBe(c.expected);
  });

  it.each(failing.map((c) => [c.name, c] as const))('%s fails as in Python', (_name, c) => {
    let caught: unknown;
    try {
      renderPrompt(goldenInput(c));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    const err = caught as TemplateError;
    if (c.error!.type === 'ValueError') {
      // transformers' continue_final_message message; ours starts the same way.
      expect(c.error!.message.startsWith(err.message.split(' Final message')[0]!)).toBe(true);
    } else {
      expect(err.message).toBe(c.error!.message);
      expect(err.kind).toBe(c.error!.type);
    }
  });

  it('covers every template: the real model templates with many cases', () => {
    for (const [name, t] of Object.entries(golden.templates)) {
      const n = golden.cases.filter((c) => c.template === name).length;
      expect(n, name).toBeGreaterThanOrEqual(t.source.endsWith('.json') ? 9 : 2);
    }
  });
});

const qwen3 = templates.qwen3!;
const llama = templates.llama3_1!;
const base = (over: Partial<RenderInput> = {}): RenderInput => ({
  template: llama,
  messages: [{ role: 'user', content: 'Hi' }],
  addGenerationPrompt: true,
  continueFinalMessage: false,
  specialTokens: { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' },
  ...over,
});

describe('errors', () => {
  it('reports the line and column of a syntax error', () => {
    const template = 'Hello\n{% for m in messages %}\n  {{ m.content + }}\n{% endfor %}';
    const r = checkTemplateSyntax(template);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.line).toBe(3);
    expect(r.column).toBe(3);
    expect(() => renderPrompt(base({ template }))).toThrow(TemplateError);
    try {
      renderPrompt(base({ template }));
    } catch (e) {
      expect((e as TemplateError).line).toBe(3);
      expect((e as TemplateError).message).toMatch(/syntax error/);
    }
  });

  it('reports unclosed and mismatched blocks where they are', () => {
    const unclosed = checkTemplateSyntax('a\n\n  {% if x %}b');
    expect(unclosed).toMatchObject({ ok: false, line: 3, column: 3 });
    expect(unclosed.ok === false && unclosed.message).toMatch(/endif/);
    const mismatched = checkTemplateSyntax('{% for x in y %}\n{% endif %}');
    expect(mismatched).toMatchObject({ ok: false, line: 2, column: 1 });
    expect(checkTemplateSyntax('{{ "unterminated }}')).toMatchObject({
      ok: false,
      line: 1,
      column: 1,
    });
    expect(checkTemplateSyntax('x {% frobnicate %}')).toMatchObject({
      ok: false,
      line: 1,
      column: 3,
    });
  });

  it('accepts the real templates', () => {
    for (const t of Object.values(templates)) expect(checkTemplateSyntax(t)).toEqual({ ok: true });
  });

  it('surfaces raise_exception messages unchanged', () => {
    const template = "{{ raise_exception('Only user and assistant roles are supported!') }}";
    let caught: unknown;
    try {
      renderPrompt(base({ template }));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).message).toBe('Only user and assistant roles are supported!');
    expect((caught as TemplateError).kind).toBe('TemplateError');
    expect((caught as TemplateError).line).toBe(1);
  });

  it('locates the raise_exception call of a real template', () => {
    let caught: unknown;
    try {
      renderPrompt({
        ...base(),
        template: templates.gemma3!,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    const lines = templates.gemma3!.split('\n');
    const err = caught as TemplateError;
    expect(lines[err.line! - 1]!.slice(err.column! - 1)).toMatch(
      /^raise_exception\("Conversation roles/,
    );
  });

  it("refuses continue_final_message with add_generation_prompt (vLLM's message)", () => {
    expect(() =>
      renderPrompt(
        base({
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hel' },
          ],
          continueFinalMessage: true,
        }),
      ),
    ).toThrowError('Cannot set both `continue_final_message` and `add_generation_prompt` to True.');
  });

  it('refuses an empty conversation, unexpected kwargs and non-text parts', () => {
    expect(() => renderPrompt(base({ messages: [] }))).toThrow(/empty conversation/);
    expect(() => renderPrompt(base({ chatTemplateKwargs: { tokenize: true } }))).toThrow(
      "Found unexpected chat template kwargs from request: {'tokenize'}",
    );
    const image = { type: 'image_url', image_url: { url: 'x' } };
    expect(() =>
      renderPrompt(base({ messages: [{ role: 'user', content: [image] } as ChatMessage] })),
    ).toThrow(/image_url/);
  });

  it('raises on attribute access of an undefined value, as Jinja2 does', () => {
    expect(() => renderPrompt(base({ template: '{{ nothing.here }}' }))).toThrowError(
      "'nothing' is undefined",
    );
  });
});

describe('add_special_tokens', () => {
  it('prepends the BOS token once, on top of the one the template writes', () => {
    const plain = renderPrompt(base());
    const withSpecial = renderPrompt(base({ addSpecialTokens: true }));
    expect(plain.startsWith('<|begin_of_text|><|start_header_id|>')).toBe(true);
    expect(withSpecial).toBe('<|begin_of_text|>' + plain);
    expect(withSpecial.split('<|begin_of_text|>').length - 1).toBe(2);
  });

  it('adds nothing where the tokenizer has no BOS (Qwen3) or does not add it', () => {
    const qwen = base({ template: qwen3, specialTokens: { eos_token: '<|im_end|>' } });
    expect(renderPrompt({ ...qwen, addSpecialTokens: true })).toBe(renderPrompt(qwen));
    expect(renderPrompt(base({ addSpecialTokens: true, addBosToken: false }))).toBe(
      renderPrompt(base()),
    );
  });
});

describe('types', () => {
  it("accepts the openai package's message type", () => {
    const accept = (m: ChatCompletionMessageParam[]): readonly ChatMessage[] => m;
    expect(accept([{ role: 'user', content: 'x' }])).toHaveLength(1);
  });
});

describe('template variables', () => {
  it('pins strftime_now to the given clock, in the C locale', () => {
    const template = "{{ strftime_now('%d %b %Y, %A %I:%M %p, day %j, %-d/%-m') }}";
    const now = (): Date => new Date(2025, 0, 5, 7, 3, 0);
    expect(renderPrompt(base({ template, now }))).toBe(
      '05 Jan 2025, Sunday 07:03 AM, day 005, 5/1',
    );
  });

  it('spreads chat_template_kwargs over the special tokens', () => {
    const template = '{{ bos_token }}|{{ eos_token }}|{{ custom }}';
    expect(
      renderPrompt(base({ template, chatTemplateKwargs: { eos_token: '<E>', custom: [1, 'a'] } })),
    ).toBe("<|begin_of_text|>|<E>|[1, 'a']");
  });

  it('passes tools and documents as none when absent, and kwargs can override them', () => {
    const template = '{{ tools is none }} {{ documents is none }} {{ add_generation_prompt }}';
    expect(renderPrompt(base({ template }))).toBe('True True True');
    expect(
      renderPrompt(
        base({ template, chatTemplateKwargs: { documents: [], add_generation_prompt: false } }),
      ),
    ).toBe('True False False');
  });

  it('gives string-format templates joined text and null content as ""', () => {
    const template = '{% for m in messages %}[{{ m.content }}]{% endfor %}';
    const messages: ChatMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      { role: 'assistant', content: null },
    ];
    expect(templateContentFormat(template)).toBe('string');
    expect(renderPrompt(base({ template, messages }))).toBe('[a\nb][]');
  });

  it('parses JSON-string tool-call arguments into objects (as vLLM does)', () => {
    const template =
      '{% for m in messages %}{% for c in m.tool_calls %}{{ c.function.arguments | tojson }}/{{ c.function.arguments is mapping }};{% endfor %}{% endfor %}';
    const messages: ChatMessage[] = [
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: '1', type: 'function', function: { name: 'f', arguments: '{"x": 1.0, "y": "é"}' } },
          { id: '2', type: 'function', function: { name: 'g', arguments: 'not json' } },
          { id: '3', type: 'function', function: { name: 'h', arguments: { z: [true, null] } } },
        ],
      },
    ];
    expect(renderPrompt(base({ template, messages }))).toBe(
      '{"x": 1.0, "y": "é"}/True;{}/True;{"z": [true, null]}/True;',
    );
  });
});

describe('templateSyntaxProblem', () => {
  it('is null for a template that parses, and says what and where otherwise', () => {
    expect(templateSyntaxProblem('{{ messages }}')).toBeNull();
    const p = templateSyntaxProblem('line one\n{% for m in messages %}');
    expect(p).toMatch(/\(line 2, column \d+\)$/);
  });
});

describe('render budget', () => {
  const nested = '{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}';

  it('ends a runaway loop with a TemplateError once the time budget is spent', () => {
    let error: unknown;
    try {
      renderPrompt(base({ template: nested, budget: { maxMs: 200, maxOutputChars: 1e9 } }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).kind).toBe('BudgetExceeded');
    expect((error as Error).message).toMatch(/chat_template: rendering stopped after 200 ms/);
  });

  it('ends a render whose output passes the size budget', () => {
    expect(() =>
      renderPrompt(
        base({ template: "{{ 'x' * 5000 }}", budget: { maxMs: 60_000, maxOutputChars: 1000 } }),
      ),
    ).toThrow(/more than 1000 characters/);
    expect(() =>
      renderPrompt(
        base({
          template: '{% for i in range(50) %}{{ "y" * 30 }}{% endfor %}',
          budget: { maxMs: 60_000, maxOutputChars: 1000 },
        }),
      ),
    ).toThrow(/more than 1000 characters/);
  });

  it('leaves real templates well inside the default budget', () => {
    expect(renderPrompt(base())).toContain('<|start_header_id|>user<|end_header_id|>\n\nHi');
  });
});
