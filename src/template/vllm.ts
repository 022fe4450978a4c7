/**
 * What a vLLM server does to an OpenAI chat request before it calls transformers'
 * apply_chat_template, so that the in-tab prompt is the one the server would build:
 *
 * - Content format: a template that loops over a message's content (`for part in
 *   message['content']`, also through aliases like `loop_messages = messages[1:]`) gets
 *   content as a list of `{type: 'text', text}` parts ("openai" format); any other template
 *   gets a string, the text parts joined with "\n" ("string" format). Null content is "" (or
 *   no parts). Tool messages always get a string when all their parts are text.
 * - Assistant tool calls: a JSON-string `arguments` is parsed into an object before rendering
 *   (an unparsable one becomes {}); an empty tool_calls list is dropped. `reasoning` (or
 *   `reasoning_content`) is passed as both names.
 * - Tools are passed as vLLM's request model dumps them: `type`, then `function` with `name`,
 *   `description` and `parameters` (null when absent), then any other keys as given.
 */
import { JSON_SHORT_ESCAPES } from '../lib/jsonEscapes';
import { TemplateError } from './errors';
import { type JNode, type RV, mk, toRuntime } from './runtime';

export type ContentFormat = 'string' | 'openai';

// ---------------------------------------------------------------------------------------------
// Content-format detection on the parsed template

function* walk(node: unknown): Generator<JNode> {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const x of node) yield* walk(x);
    return;
  }
  if (node instanceof Map) {
    for (const [k, v] of node) {
      yield* walk(k);
      yield* walk(v);
    }
    return;
  }
  const n = node as JNode;
  if (typeof n.type === 'string') yield n;
  for (const v of Object.values(n)) if (v !== null && typeof v === 'object') yield* walk(v);
}

/** Filters, tests and slices still denote "that variable" for the detection. */
function unwrap(node: JNode): JNode {
  let n = node;
  for (;;) {
    if (n.type === 'FilterExpression' || n.type === 'TestExpression') n = n.operand as JNode;
    else if (n.type === 'MemberExpression' && (n.property as JNode).type === 'SliceExpression') {
      n = n.object as JNode;
    } else return n;
  }
}

const isNameIn = (node: JNode, names: Set<string>): boolean =>
  node.type === 'Identifier' && names.has(String(node.value));

function isContentOf(node: JNode, names: Set<string>): boolean {
  const n = unwrap(node);
  if (n.type !== 'MemberExpression') return false;
  const prop = n.property as JNode;
  const isContent = n.computed
    ? prop.type === 'StringLiteral' && prop.value === 'content'
    : prop.type === 'Identifier' && prop.value === 'content';
  return isContent && isNameIn(n.object as JNode, names);
}

function loopIterable(loop: JNode): JNode {
  const it = loop.iterable as JNode;
  return it.type === 'SelectExpression' ? (it.lhs as JNode) : it;
}

/** vLLM's "auto" chat-template content format for a parsed template. */
export function detectContentFormat(program: unknown): ContentFormat {
  const nodes = [...walk(program)];
  const sets = nodes.filter(
    (n) => n.type === 'Set' && n.value && (n.assignee as JNode).type === 'Identifier',
  );
  const loops = nodes.filter((n) => n.type === 'For' && (n.loopvar as JNode).type === 'Identifier');
  const aliases = new Set(['messages']);
  for (let changed = true; changed;) {
    changed = false;
    for (const s of sets) {
      const name = String((s.assignee as JNode).value);
      if (!aliases.has(name) && isNameIn(unwrap(s.value as JNode), aliases)) {
        aliases.add(name);
        changed = true;
      }
    }
  }
  const messageVars = new Set(
    loops
      .filter((l) => isNameIn(unwrap(loopIterable(l)), aliases))
      .map((l) => String((l.loopvar as JNode).value)),
  );
  return loops.some((l) => isContentOf(loopIterable(l), messageVars)) ? 'openai' : 'string';
}

// ---------------------------------------------------------------------------------------------
// JSON as Python's json.loads reads it (keeps 1.0 a float and key order as written)

class JsonSyntaxError extends Error {}

export function parsePyJson(text: string): RV {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw new JsonSyntaxError(`invalid JSON at ${i}`);
  };
  const value = (): RV => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const m = new Map<string, RV>();
      ws();
      if (text[i] === '}') {
        i++;
        return mk.dict(m);
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = str();
        ws();
        if (text[i++] !== ':') fail();
        m.set(key, value());
        ws();
        const sep = text[i++];
        if (sep === '}') return mk.dict(m);
        if (sep !== ',') fail();
      }
    }
    if (ch === '[') {
      i++;
      const items: RV[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return mk.list(items);
      }
      for (;;) {
        items.push(value());
        ws();
        const sep = text[i++];
        if (sep === ']') return mk.list(items);
        if (sep !== ',') fail();
      }
    }
    if (ch === '"') return mk.str(str());
    for (const [word, v] of [
      ['true', mk.bool(true)],
      ['false', mk.bool(false)],
      ['null', mk.none()],
      ['NaN', mk.float(NaN)],
      ['Infinity', mk.float(Infinity)],
      ['-Infinity', mk.float(-Infinity)],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const num = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!num) return fail();
    i += num[0].length;
    return num[1] !== undefined || num[2] !== undefined
      ? mk.float(Number(num[0]))
      : mk.int(Number(num[0]));
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      const ch = text[i++];
      if (ch === undefined) fail();
      if (ch === '"') return out;
      if (ch === '\\') {
        const e = text[i++];
        if (e !== undefined && Object.hasOwn(JSON_SHORT_ESCAPES, e)) out += JSON_SHORT_ESCAPES[e];
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
          out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
          i += 4;
        } else fail();
      } else if ((ch as string).charCodeAt(0) < 0x20) fail();
      else out += ch;
    }
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}

// ---------------------------------------------------------------------------------------------
// Messages and tools

const TEXT_KEYS: Record<string, string> = {
  text: 'text',
  input_text: 'text',
  output_text: 'text',
  refusal: 'refusal',
};

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function contentTexts(content: unknown, index: number): string[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) {
    throw new TemplateError(
      `messages[${index}].content must be a string, an array of content parts or null`,
    );
  }
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') {
      texts.push(part);
      continue;
    }
    const type = isObject(part) ? part.type : undefined;
    const key =
      typeof type === 'string' && Object.hasOwn(TEXT_KEYS, type) ? TEXT_KEYS[type] : undefined;
    if (!isObject(part) || key === undefined) {
      throw new TemplateError(
        `messages[${index}]: content part type ${JSON.stringify(type ?? null)} is not supported here; this renderer handles text parts only`,
      );
    }
    const text = part[key];
    if (text !== null && text !== undefined) texts.push(String(text));
  }
  return texts;
}

function parseArguments(args: unknown): RV {
  if (typeof args === 'string') {
    try {
      return parsePyJson(args);
    } catch (e) {
      if (e instanceof JsonSyntaxError) return mk.dict(new Map());
      throw e;
    }
  }
  if (typeof args === 'object' && args !== null) return toRuntime(args);
  return mk.dict(new Map());
}

function toolCall(call: unknown, index: number): RV {
  if (!isObject(call) || !isObject(call.function)) {
    throw new TemplateError(
      `messages[${index}].tool_calls: each tool call needs a "function" object`,
    );
  }
  const fn = new Map<string, RV>();
  for (const [k, v] of Object.entries(call.function)) {
    if (k !== 'arguments' && v !== undefined) fn.set(k, toRuntime(v));
    else if (k === 'arguments') fn.set(k, parseArguments(v));
  }
  if (!fn.has('arguments')) fn.set('arguments', mk.dict(new Map()));
  const out = new Map<string, RV>();
  for (const [k, v] of Object.entries(call)) {
    if (k === 'function') out.set(k, mk.dict(fn));
    else if (v !== undefined) out.set(k, toRuntime(v));
  }
  return mk.dict(out);
}

/** The conversation as vLLM hands it to apply_chat_template (keys in vLLM's order). */
export function vllmMessages(
  messages: readonly unknown[],
  format: ContentFormat,
): Map<string, RV>[] {
  return messages.map((raw, index) => {
    if (!isObject(raw) || typeof raw.role !== 'string') {
      throw new TemplateError(`messages[${index}] must be an object with a string "role"`);
    }
    const role = raw.role;
    const texts = contentTexts(raw.content, index);
    const out = new Map<string, RV>([['role', mk.str(role)]]);
    out.set(
      'content',
      format === 'openai' && role !== 'tool'
        ? mk.list(
            texts.map((t) =>
              mk.dict(
                new Map([
                  ['type', mk.str('text')],
                  ['text', mk.str(t)],
                ]),
              ),
            ),
          )
        : mk.str(texts.join('\n')),
    );
    if (role === 'assistant') {
      const calls = raw.tool_calls;
      if (calls !== null && calls !== undefined) {
        if (!Array.isArray(calls))
          throw new TemplateError(`messages[${index}].tool_calls must be an array`);
        if (calls.length > 0) out.set('tool_calls', mk.list(calls.map((c) => toolCall(c, index))));
      }
      const reasoning = raw.reasoning ?? raw.reasoning_content;
      if (reasoning !== null && reasoning !== undefined) {
        out.set('reasoning', toRuntime(reasoning));
        out.set('reasoning_content', toRuntime(reasoning));
      }
    } else if (role === 'tool') {
      if ('tool_call_id' in raw) out.set('tool_call_id', toRuntime(raw.tool_call_id ?? null));
    }
    if (typeof raw.name === 'string') out.set('name', mk.str(raw.name));
    if (role === 'developer' && raw.tools !== null && raw.tools !== undefined) {
      out.set('tools', toRuntime(raw.tools));
    }
    return out;
  });
}

/** The request's tools as vLLM's request model dumps them. */
export function vllmTools(tools: readonly unknown[] | undefined | null): RV {
  if (tools === undefined || tools === null) return mk.none();
  if (!Array.isArray(tools)) throw new TemplateError('tools must be an array');
  return mk.list(
    tools.map((tool, index) => {
      if (!isObject(tool) || !isObject(tool.function) || typeof tool.function.name !== 'string') {
        throw new TemplateError(
          `tools[${index}] must be {"type": "function", "function": {"name": ...}}`,
        );
      }
      const fn = tool.function;
      const fnOut = new Map<string, RV>([
        ['name', mk.str(fn.name as string)],
        ['description', toRuntime(fn.description ?? null)],
        ['parameters', toRuntime(fn.parameters ?? null)],
      ]);
      for (const [k, v] of Object.entries(fn))
        if (!fnOut.has(k) && v !== undefined) fnOut.set(k, toRuntime(v));
      const out = new Map<string, RV>([
        ['type', toRuntime(tool.type ?? 'function')],
        ['function', mk.dict(fnOut)],
      ]);
      for (const [k, v] of Object.entries(tool))
        if (!out.has(k) && v !== undefined) out.set(k, toRuntime(v));
      return mk.dict(out);
    }),
  );
}
