/**
 * Typed access to cases.json: golden prompts that tools/template-golden/generate.py rendered
 * with transformers' apply_chat_template (see that script). Used by
 * src/template/renderPrompt.test.ts; CI never runs the Python generator.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface GoldenInput {
  messages: { role: string; content?: unknown; [key: string]: unknown }[];
  tools?: unknown[];
  documents?: unknown[];
  addGenerationPrompt: boolean;
  continueFinalMessage: boolean;
  chatTemplateKwargs?: Record<string, unknown>;
  addSpecialTokens?: boolean;
}

export interface GoldenCase {
  name: string;
  /** A key of Golden.templates. */
  template: string;
  input: GoldenInput;
  /** The prompt transformers rendered, or... */
  expected?: string;
  /** ...the exception it raised (Python type name and str()). */
  error?: { type: string; message: string };
}

export interface GoldenTemplate {
  /** Path from the repository root: a tokenizer_config.json or a .jinja file. */
  source: string;
  /** "crlf": the file's line endings are turned into "\r\n" when read. */
  lineEndings?: 'crlf';
  sha256: string;
  /** The tokenizer's special_tokens_map, as the template saw it. */
  specialTokens: Record<string, string>;
  /** vLLM's content format for the template ("string" or "openai"). */
  contentFormat: string;
}

export interface Golden {
  generator: Record<string, string>;
  /** The local time Python's strftime_now was pinned to (ISO, no zone). */
  fixedNow: string;
  templates: Record<string, GoldenTemplate>;
  cases: GoldenCase[];
}

const root = new URL('../../', import.meta.url);

export function loadGolden(): Golden {
  return JSON.parse(
    readFileSync(new URL('tools/template-golden/cases.json', root), 'utf8'),
  ) as Golden;
}

/** The chat template text a golden template entry names. */
export function readTemplate(t: GoldenTemplate): string {
  const text = readFileSync(new URL(t.source, root), 'utf8');
  const template = t.source.endsWith('.json')
    ? (JSON.parse(text) as { chat_template: string }).chat_template
    : text;
  return t.lineEndings === 'crlf' ? template.replace(/\n/g, '\r\n') : template;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
