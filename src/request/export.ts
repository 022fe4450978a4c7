import { PARAMS, paramSpec } from './params';
import type { RequestDraft } from './types';

/** The request as a server receives it: table order, only the fields that are set. */
export function exportRequest(draft: RequestDraft): RequestDraft {
  const out: RequestDraft = {};
  for (const spec of PARAMS) {
    if (draft[spec.name] !== undefined) out[spec.name] = draft[spec.name];
  }
  return out;
}

export function exportJson(draft: RequestDraft): string {
  return JSON.stringify(exportRequest(draft), null, 2);
}

export interface CodeOptions {
  baseUrl: string;
  /** Name of the environment variable that holds the key; the key itself never appears. */
  apiKeyEnv?: string;
}

const DEFAULT_CODE: CodeOptions = {
  baseUrl: 'http://localhost:8000/v1',
  apiKeyEnv: 'OPENAI_API_KEY',
};

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function toCurl(draft: RequestDraft, opts: CodeOptions = DEFAULT_CODE): string {
  const env = opts.apiKeyEnv ?? 'OPENAI_API_KEY';
  return [
    `curl ${shellQuote(`${opts.baseUrl.replace(/\/$/, '')}/chat/completions`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "Authorization: Bearer $${env}" \\`,
    `  -d ${shellQuote(exportJson(draft))}`,
  ].join('\n');
}

/** A JSON value written as a Python literal. */
export function pythonLiteral(v: unknown, indent = 0): string {
  const pad = ' '.repeat(indent + 4);
  const end = ' '.repeat(indent);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'None';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad + pythonLiteral(x, indent + 4)).join(',\n')},\n${end}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries
    .map(([k, x]) => `${pad}${JSON.stringify(k)}: ${pythonLiteral(x, indent + 4)}`)
    .join(',\n')},\n${end}}`;
}

/**
 * Python that prints every choice of the response: its finish reason, its reasoning (vLLM's
 * `reasoning`, or `reasoning_content`), its text and its tool calls. A stream is gathered per
 * choice first, since the chunks of n choices interleave.
 */
export function pythonPrintResponse(stream: boolean): string[] {
  const show = [
    '    print(f"[choice {index}, finish_reason: {finish_reason}]")',
    '    if reasoning:',
    '        print(f"reasoning: {reasoning}")',
    '    if content:',
    '        print(content)',
    '    for name, arguments in calls:',
    '        print(f"tool call {name}: {arguments}")',
  ];
  const helper = ['def show(index, finish_reason, reasoning, content, calls):', ...show, '', ''];
  if (!stream)
    return [
      ...helper,
      'for choice in response.choices:',
      '    message = choice.message',
      '    show(',
      '        choice.index,',
      '        choice.finish_reason,',
      '        getattr(message, "reasoning", None) or getattr(message, "reasoning_content", None),',
      '        message.content,',
      '        [(c.function.name, c.function.arguments) for c in message.tool_calls or []],',
      '    )',
    ];
  return [
    ...helper,
    'choices = {}',
    'for chunk in response:',
    '    for choice in chunk.choices:',
    '        c = choices.setdefault(',
    '            choice.index, {"reasoning": "", "content": "", "calls": {}, "finish_reason": None}',
    '        )',
    '        delta = choice.delta',
    '        c["reasoning"] += (',
    '            getattr(delta, "reasoning", None) or getattr(delta, "reasoning_content", None) or ""',
    '        )',
    '        c["content"] += delta.content or ""',
    '        for call in delta.tool_calls or []:',
    '            entry = c["calls"].setdefault(call.index, ["", ""])',
    '            if call.function is not None:',
    '                entry[0] += call.function.name or ""',
    '                entry[1] += call.function.arguments or ""',
    '        c["finish_reason"] = choice.finish_reason or c["finish_reason"]',
    'for index, c in sorted(choices.items()):',
    '    show(index, c["finish_reason"], c["reasoning"], c["content"], c["calls"].values())',
  ];
}

/** JavaScript that prints every choice of the response (see pythonPrintResponse). */
export function javascriptPrintResponse(stream: boolean): string[] {
  const show = [
    'function show(index, finishReason, reasoning, content, calls) {',
    '  console.log(`[choice ${index}, finish_reason: ${finishReason}]`);',
    '  if (reasoning) console.log(`reasoning: ${reasoning}`);',
    '  if (content) console.log(content);',
    '  for (const [name, args] of calls) console.log(`tool call ${name}: ${args}`);',
    '}',
  ];
  if (!stream)
    return [
      ...show,
      'for (const choice of response.choices) {',
      '  const message = choice.message;',
      '  show(',
      '    choice.index,',
      '    choice.finish_reason,',
      '    message.reasoning ?? message.reasoning_content,',
      '    message.content,',
      '    (message.tool_calls ?? []).map((c) => [c.function.name, c.function.arguments]),',
      '  );',
      '}',
    ];
  return [
    ...show,
    'const choices = new Map();',
    'for await (const chunk of response) {',
    '  for (const choice of chunk.choices) {',
    "    const c = choices.get(choice.index) ?? { reasoning: '', content: '', calls: new Map(), finishReason: null };",
    '    choices.set(choice.index, c);',
    '    const delta = choice.delta;',
    "    c.reasoning += delta.reasoning ?? delta.reasoning_content ?? '';",
    "    c.content += delta.content ?? '';",
    '    for (const call of delta.tool_calls ?? []) {',
    "      const entry = c.calls.get(call.index) ?? ['', ''];",
    '      c.calls.set(call.index, entry);',
    "      entry[0] += call.function?.name ?? '';",
    "      entry[1] += call.function?.arguments ?? '';",
    '    }',
    '    c.finishReason = choice.finish_reason ?? c.finishReason;',
    '  }',
    '}',
    'for (const [index, c] of [...choices].sort((a, b) => a[0] - b[0]))',
    '  show(index, c.finishReason, c.reasoning, c.content, c.calls.values());',
  ];
}

function splitBySource(draft: RequestDraft): { openai: RequestDraft; extra: RequestDraft } {
  const openai: RequestDraft = {};
  const extra: RequestDraft = {};
  for (const [k, v] of Object.entries(exportRequest(draft))) {
    const spec = paramSpec(k);
    (spec?.source === 'vllm' || spec?.extraBody ? extra : openai)[k] = v;
  }
  return { openai, extra };
}

export function toPython(draft: RequestDraft, opts: CodeOptions = DEFAULT_CODE): string {
  const { openai, extra } = splitBySource(draft);
  const args = Object.entries(openai).map(([k, v]) => `    ${k}=${pythonLiteral(v, 4)},`);
  if (Object.keys(extra).length > 0) args.push(`    extra_body=${pythonLiteral(extra, 4)},`);
  const stream = openai.stream === true;
  return [
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${JSON.stringify(opts.baseUrl)}, api_key=os.environ[${JSON.stringify(opts.apiKeyEnv ?? 'OPENAI_API_KEY')}])`,
    '',
    'response = client.chat.completions.create(',
    ...args,
    ')',
    '',
    '',
    ...pythonPrintResponse(stream),
    '',
  ].join('\n');
}

export function toJavaScript(draft: RequestDraft, opts: CodeOptions = DEFAULT_CODE): string {
  const body = JSON.stringify(exportRequest(draft), null, 2)
    .split('\n')
    .map((l, i) => (i === 0 ? l : `  ${l}`))
    .join('\n');
  const stream = draft.stream === true;
  return [
    "import OpenAI from 'openai';",
    '',
    `const client = new OpenAI({ baseURL: ${JSON.stringify(opts.baseUrl)}, apiKey: process.env.${opts.apiKeyEnv ?? 'OPENAI_API_KEY'} });`,
    '',
    '// vLLM extra fields are sent in the body as they are.',
    `const response = await client.chat.completions.create(${body});`,
    ...javascriptPrintResponse(stream),
    '',
  ].join('\n');
}
