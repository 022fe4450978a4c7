/**
 * Parsing chat templates with @huggingface/jinja, with the location of syntax errors.
 *
 * The library's lexer and parser keep no positions, so a failing template is re-checked tag
 * by tag: we scan the raw template for `{{ }}`, `{% %}` and `{# #}` tags (with their offsets),
 * parse each tag on its own (block openers with a matching end tag), and check that block
 * tags nest. The first tag that fails gives the line and column.
 */
import { parse, tokenize } from '@huggingface/jinja';
import type { JProgram } from './runtime';

/**
 * Applies Jinja2's trim_blocks and lstrip_blocks (the options transformers renders with) the
 * way Python's lexer does, before the library tokenizes: a block or comment tag alone after
 * the indentation of its line loses that indentation, the first newline after a block or
 * comment tag is removed, and `{%+` / `+%}` switch this off for one tag. (The library's own
 * options do this with regular expressions over the whole text, which also strip text that
 * merely looks like a tag end, e.g. "100%}" followed by a newline, and it rejects `{%+`.)
 */
export function applyBlockWhitespace(src: string): string {
  const { tags, problem } = scanTags(src);
  if (problem) return src; // the parser reports it
  let out = '';
  let pos = 0;
  for (const tag of tags) {
    if (tag.kind === '{{') continue;
    let text = src.slice(pos, tag.start);
    const keepIndent = tag.inner.startsWith('+');
    if (!keepIndent && !tag.inner.startsWith('-')) {
      const lineStart = src.lastIndexOf('\n', tag.start - 1) + 1;
      if (lineStart >= pos && /^[ \t]*$/.test(src.slice(lineStart, tag.start))) {
        text = text.slice(0, text.length - (tag.start - lineStart));
      }
    }
    let inner = keepIndent ? tag.inner.slice(1) : tag.inner;
    const keepNewline = inner.endsWith('+');
    if (keepNewline) inner = inner.slice(0, -1);
    out += text + tag.kind + inner + (tag.kind === '{%' ? '%}' : '#}');
    pos = tag.start + tag.inner.length + 4;
    if (!keepNewline && src[pos] === '\n') pos++;
  }
  return out + src.slice(pos);
}

export function parseTemplate(source: string): JProgram {
  // Jinja2 reads "\r\n" and "\r" in a template's source as "\n" (newline_sequence).
  return parse(tokenize(applyBlockWhitespace(source.replace(/\r\n?/g, '\n'))));
}

export interface SyntaxProblem {
  message: string;
  line?: number;
  column?: number;
}

interface Tag {
  kind: '{{' | '{%' | '{#';
  start: number;
  /** Text between the delimiters, whitespace-control markers included. */
  inner: string;
}

export function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

function scanTags(src: string): { tags: Tag[]; problem?: { message: string; offset: number } } {
  const tags: Tag[] = [];
  let i = 0;
  for (;;) {
    const open = src.slice(i).search(/\{[{%#]/);
    if (open < 0) return { tags };
    const start = i + open;
    const kind = src.slice(start, start + 2) as Tag['kind'];
    if (kind === '{#') {
      const end = src.indexOf('#}', start + 2);
      if (end < 0)
        return { tags, problem: { message: 'Missing end of comment tag', offset: start } };
      tags.push({ kind, start, inner: src.slice(start + 2, end) });
      i = end + 2;
      continue;
    }
    const close = kind === '{{' ? '}}' : '%}';
    let j = start + 2;
    let depth = 0;
    let quote: string | null = null;
    let end = -1;
    while (j < src.length) {
      const ch = src[j] as string;
      if (quote) {
        if (ch === '\\') j++;
        else if (ch === quote) quote = null;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (depth === 0 && src.startsWith(close, j)) {
        end = j;
        break;
      } else if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth = Math.max(0, depth - 1);
      j++;
    }
    if (end < 0) {
      const what = kind === '{{' ? 'expression' : 'statement';
      return {
        tags,
        problem: { message: `Unclosed ${what} tag (no matching "${close}")`, offset: start },
      };
    }
    tags.push({ kind, start, inner: src.slice(start + 2, end) });
    i = end + 2;
  }
}

const OPENERS = new Set(['if', 'for', 'macro', 'call', 'filter', 'set', 'generation']);

function tryParse(source: string): string | null {
  try {
    parseTemplate(source);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Finds the first failing tag of a template that does not parse as a whole. */
function locate(src: string): SyntaxProblem | null {
  const { tags, problem } = scanTags(src);
  const at = (message: string, offset: number): SyntaxProblem => ({
    message,
    ...lineColumn(src, offset),
  });
  const stack: { name: string; start: number }[] = [];
  for (const tag of tags) {
    if (tag.kind === '{#') continue;
    if (tag.kind === '{{') {
      const err = tryParse(`{{${tag.inner}}}`);
      if (err) return at(err, tag.start);
      continue;
    }
    const body = tag.inner.replace(/^[-+]/, '').replace(/[-+]$/, '');
    const name = /^\s*([A-Za-z_]\w*)/.exec(body)?.[1];
    if (!name) return at('Tag name expected', tag.start);
    const top = stack[stack.length - 1];
    if (name.startsWith('end') && name.length > 3) {
      const opened = name.slice(3);
      if (!top) return at(`Encountered unknown tag '${name}'.`, tag.start);
      if (top.name !== opened) {
        return at(
          `Encountered unknown tag '${name}'. Jinja was looking for the following tags: 'end${top.name}'. The innermost block that needs to be closed is '${top.name}'.`,
          tag.start,
        );
      }
      stack.pop();
      continue;
    }
    let err: string | null = null;
    if (name === 'elif' || name === 'else') {
      if (!top || (top.name !== 'if' && !(name === 'else' && top.name === 'for'))) {
        return at(`Encountered unknown tag '${name}'.`, tag.start);
      }
      if (name === 'elif') err = tryParse(`{% if true %}{%${tag.inner}%}{% endif %}`);
    } else if (name === 'break' || name === 'continue') {
      err = tryParse(`{% for _ in [] %}{%${tag.inner}%}{% endfor %}`);
    } else if (name === 'set' && /=/.test(body.replace(/(["'])(?:\\.|(?!\1).)*\1/g, ''))) {
      err = tryParse(`{%${tag.inner}%}`);
    } else if (OPENERS.has(name)) {
      err = tryParse(`{%${tag.inner}%}{% end${name} %}`);
      stack.push({ name, start: tag.start });
    } else {
      return at(`Encountered unknown tag '${name}'.`, tag.start);
    }
    if (err) return at(err, tag.start);
  }
  if (problem) return at(problem.message, problem.offset);
  const open = stack[stack.length - 1];
  if (open) {
    return at(
      `Unexpected end of template. Jinja was looking for the following tags: 'end${open.name}'. The innermost block that needs to be closed is '${open.name}'.`,
      open.start,
    );
  }
  return null;
}

/** Parses a template; on failure, describes the problem with its location where known. */
export function parseWithLocation(
  source: string,
): { program: JProgram } | { problem: SyntaxProblem } {
  try {
    return { program: parseTemplate(source) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const located = locate(source);
    return { problem: located ?? { message } };
  }
}

/**
 * Where a raise_exception(...) call that produced `message` is, when that can be told from the
 * source: the call whose first string literal is the message (or starts it), or the only call.
 */
export function locateRaise(
  source: string,
  message: string,
): { line: number; column: number } | null {
  const calls: { offset: number; literal: string | null }[] = [];
  const re = /raise_exception\s*\(\s*(?:(["'])((?:\\.|(?!\1)[^\\])*)\1)?/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const literal =
      m[2] === undefined ? null : m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    calls.push({ offset: m.index, literal });
  }
  const exact = calls.filter((c) => c.literal === message);
  const prefix = calls.filter(
    (c) => c.literal !== null && c.literal !== '' && message.startsWith(c.literal),
  );
  const hit =
    exact.length === 1
      ? exact[0]
      : exact.length === 0 && prefix.length === 1
        ? prefix[0]
        : calls.length === 1
          ? calls[0]
          : undefined;
  return hit ? lineColumn(source, hit.offset) : null;
}
