/**
 * The constraint compiler: one request -> at most one grammar, printed twice:
 * - `gbnf`: llama.cpp GBNF for the CPU engine (wllama's `grammar` parameter);
 * - `xgrammar`: what the WebGPU engine's xgrammar GrammarCompiler takes (EBNF, or the JSON
 *   schema itself when xgrammar's own conversion is used unchanged).
 *
 * JSON schemas become grammar through @mlc-ai/web-xgrammar (Grammar.fromJSONSchema, printed
 * with toString()); that EBNF is read back (grammar.ts) and printed as GBNF. Regexes go
 * through regjsparser (regex.ts). Choices are an alternation of literals. guided_grammar must
 * be GBNF that llama.cpp reads; it is re-printed for xgrammar and checked by xgrammar's parser.
 */
import Ajv from 'ajv';
import { constraintConflict, forcesToolCall, guidedKinds } from './conflicts';
import { ConstraintError, GrammarSyntaxError } from './errors';
import {
  alt,
  checkGrammar,
  classIs,
  dropLookaheads,
  lit,
  mapExprs,
  NON_ASCII_LITERAL_LIMIT,
  parseGbnf,
  parseXGrammarPrinted,
  printGrammar,
  ref,
  renameRules,
  rep,
  sanitizeNames,
  seq,
  splitLongRepetitions,
  xgrammarClassIssues,
} from './grammar';
import type { Expr, Grammar, Rule } from './grammar';
import { regexToExpr } from './regex';
import { TAB_WHITESPACE_PATTERN } from './whitespace';

export { TAB_WHITESPACE_PATTERN, VLLM_WHITESPACE_PATTERN } from './whitespace';
import { prepareSchema } from './schema';
import type { SchemaLoosening } from './schema';
import { callXGrammar, isXGrammarBroken, loadXGrammar, XGRAMMAR_BROKEN } from './xgrammar';
import type { XGrammar } from './xgrammar';

// ---------------------------------------------------------------------------------------------
// Request and result types
// ---------------------------------------------------------------------------------------------

export interface JsonSchemaFormat {
  name?: string;
  description?: string;
  schema?: Record<string, unknown> | boolean;
  strict?: boolean | null;
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: JsonSchemaFormat };

export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

export type ToolChoice =
  'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export interface ConstraintRequest {
  response_format?: ResponseFormat | null;
  guided_json?: object | string | null;
  guided_regex?: string | null;
  guided_choice?: string[] | null;
  guided_grammar?: string | null;
  guided_whitespace_pattern?: string | null;
  guided_decoding_backend?: string | null;
  tools?: FunctionTool[] | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean | null;
}

export type ConstraintKind =
  'json_schema' | 'json_object' | 'regex' | 'choice' | 'grammar' | 'tool_call';

/** What the WebGPU engine hands to xgrammar's GrammarCompiler. */
export type XGrammarSpec =
  | { type: 'ebnf'; ebnf: string; rootRule: string }
  | { type: 'json_schema'; schema: string; anyWhitespace: boolean; strictMode: boolean };

/** Tool-call output forms a grammar can force. */
/**
 * Tool-call output forms a grammar can force. "vllm" (the default) is what vLLM's own guided
 * decoding forces, so a request behaves alike in the tab and on vLLM: for "required" a JSON
 * array `[{"name": …, "parameters": {…}}, …]`, for a named function its bare arguments.
 * "hermes" and "llama3_json" force a model's native call syntax instead.
 */
export type ToolCallFormat = 'vllm' | 'hermes' | 'llama3_json';

export interface ToolCallInfo {
  format: ToolCallFormat;
  /** Functions the grammar lets the model call. */
  names: string[];
  /** false: exactly one call; true: one or more, separated by "\n". */
  parallel: boolean;
}

export type CompiledConstraint =
  | { kind: 'none'; warnings: string[] }
  | {
      kind: ConstraintKind;
      /** The request field the grammar comes from. */
      source: string;
      /** llama.cpp GBNF, root rule "root". */
      gbnf: string;
      xgrammar: XGrammarSpec;
      /** Human-readable: schema keywords the grammar will not enforce ("<pointer>: <reason>"). */
      notEnforced: string[];
      /** The same, structured (JSON pointer into the request field's schema). */
      loosening: SchemaLoosening[];
      /** Things worth telling the user (ignored fields, xgrammar's own warnings). */
      warnings: string[];
      toolCall?: ToolCallInfo;
    };

export interface CompileOptions {
  /** The loaded xgrammar module; loaded on demand when absent (only JSON kinds and grammars need it). */
  xgrammar?: XGrammar;
  /** Tool-call form to force for tool_choice required / named (default "vllm"). */
  toolCallFormat?: ToolCallFormat;
  /**
   * Whitespace between JSON tokens when the request gives no guided_whitespace_pattern:
   * "bounded" (the tab's default: TAB_WHITESPACE_PATTERN) or "any" (vLLM's and xgrammar's
   * default, `[ \n\t]*`). A guided_whitespace_pattern always wins.
   */
  whitespace?: 'bounded' | 'any';
  /**
   * Opt-in: the longest a JSON string typed "string" may be when its schema gives no
   * maxLength, pattern, format, enum or const (null or absent: no cap). Reported in `warnings`.
   */
  stringCap?: number | null;
}

/** The warning a compile with `stringCap` adds (how a run shows the cap was applied). */
export function stringCapWarning(cap: number): string {
  return `string length cap on: strings without maxLength, pattern, format, enum or const may hold at most ${cap} characters (a tab option, not sent to a server)`;
}

export const SUPPORTED_BACKENDS = ['xgrammar', 'llama.cpp'] as const;

// ---------------------------------------------------------------------------------------------
// Planning: which kind, from which field (synchronous, no wasm)
// ---------------------------------------------------------------------------------------------

export interface ConstraintPlan {
  kind: ConstraintKind | 'none';
  source?: string;
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Checks the request's constraint fields and says which kind of grammar it needs, without
 * building it. Throws ConstraintError for: an unsupported guided_decoding_backend, more than
 * one kind of guided decoding (vLLM's messages), guided decoding together with a forced tool
 * call, and malformed fields.
 */
export function planConstraint(req: ConstraintRequest): ConstraintPlan {
  const backend = req.guided_decoding_backend;
  if (present(backend) && !(SUPPORTED_BACKENDS as readonly unknown[]).includes(backend)) {
    throw new ConstraintError(
      'guided_decoding_backend',
      `guided_decoding_backend ${JSON.stringify(backend)} is not available in the tab: the supported values are "xgrammar" (WebGPU engine) and "llama.cpp" (CPU engine, llama.cpp's grammar sampler). Remove the field or use one of those; an exported request keeps it unchanged.`,
    );
  }

  const rf = req.response_format;
  let responseKind: 'json_object' | 'json_schema' | null = null;
  if (present(rf)) {
    const type = (rf as { type?: unknown }).type;
    if (type === 'json_object' || type === 'json_schema') responseKind = type;
    else if (type !== 'text') {
      throw new ConstraintError(
        'response_format.type',
        `Invalid value for response_format.type: ${JSON.stringify(type)}. Supported values are "text", "json_object" and "json_schema".`,
      );
    }
  }

  const guided = guidedKinds(req as Record<string, unknown>);
  const choice = req.tool_choice;
  const forcesTool = forcesToolCall(choice);
  if (present(choice) && !forcesTool && choice !== 'none' && choice !== 'auto') {
    throw new ConstraintError(
      'tool_choice',
      `Invalid value for tool_choice: ${JSON.stringify(choice)}. Supported values are "none", "auto", "required" or {"type": "function", "function": {"name": ...}}.`,
    );
  }
  const conflict = constraintConflict(req as Record<string, unknown>);
  if (conflict) throw new ConstraintError(conflict.param, conflict.message);

  if (forcesTool) return { kind: 'tool_call', source: 'tool_choice' };
  if (responseKind) return { kind: responseKind, source: 'response_format' };
  const only = guided[0];
  if (only === 'guided_json') return { kind: 'json_schema', source: 'guided_json' };
  if (only === 'guided_regex') return { kind: 'regex', source: 'guided_regex' };
  if (only === 'guided_choice') return { kind: 'choice', source: 'guided_choice' };
  if (only === 'guided_grammar') return { kind: 'grammar', source: 'guided_grammar' };
  return { kind: 'none' };
}

// ---------------------------------------------------------------------------------------------
// Compiling
// ---------------------------------------------------------------------------------------------

const WS_RULE = 'ws';
const JSON_KINDS = new Set<ConstraintPlan['kind']>(['json_schema', 'json_object', 'tool_call']);

interface Built {
  grammar: Grammar;
  /** xgrammar may compile the schema itself (nothing rewritten, default whitespace). */
  nativeSchema?: { schema: string; strictMode: boolean };
  loosening: SchemaLoosening[];
  warnings: string[];
}

/** The compiler. Throws ConstraintError { param, message } on bad input. */
export async function compileConstraint(
  req: ConstraintRequest,
  options: CompileOptions = {},
): Promise<CompiledConstraint> {
  try {
    return await compileOnce(req, options);
  } catch (e) {
    // An instance broken by earlier refusals has been retired (callXGrammar): one more try on a
    // fresh one, unless the caller brought its own.
    if (options.xgrammar || !isXGrammarBroken(e)) throw e;
    return compileOnce(req, options);
  }
}

async function compileOnce(
  req: ConstraintRequest,
  options: CompileOptions,
): Promise<CompiledConstraint> {
  const plan = planConstraint(req);
  const warnings: string[] = [];
  const ws = req.guided_whitespace_pattern;
  if (present(ws) && typeof ws !== 'string') {
    throw new ConstraintError(
      'guided_whitespace_pattern',
      'guided_whitespace_pattern must be a string (a regular expression).',
    );
  }
  if (typeof ws === 'string' && !JSON_KINDS.has(plan.kind)) {
    warnings.push(
      plan.kind === 'none'
        ? 'guided_whitespace_pattern has no effect without JSON output (response_format, guided_json or a forced tool call).'
        : `guided_whitespace_pattern has no effect on ${plan.source}: it only shapes JSON output.`,
    );
  }
  if (plan.kind === 'none') return { kind: 'none', warnings };

  const xg = async (): Promise<XGrammar> => options.xgrammar ?? (await loadXGrammar());
  const wsExpr =
    typeof ws === 'string'
      ? regexToExpr(ws, 'guided_whitespace_pattern')
      : (options.whitespace ?? 'bounded') === 'bounded' && JSON_KINDS.has(plan.kind)
        ? regexToExpr(TAB_WHITESPACE_PATTERN, 'guided_whitespace_pattern')
        : null;
  const cap = options.stringCap ?? null;
  if (cap !== null && !(Number.isInteger(cap) && cap >= 1)) {
    throw new RangeError(`stringCap must be a positive integer, got ${cap}`);
  }
  if (cap !== null && JSON_KINDS.has(plan.kind) && plan.kind !== 'json_object') {
    warnings.push(stringCapWarning(cap));
  }

  let built: Built;
  let toolCall: ToolCallInfo | undefined;
  switch (plan.kind) {
    case 'json_object':
      // strict mode off: any properties, i.e. any JSON object
      built = await jsonSchemaGrammar(await xg(), { type: 'object' }, 'response_format', false);
      break;
    case 'json_schema': {
      const { schema, param } = readSchema(req, plan.source!);
      built = await jsonSchemaGrammar(await xg(), schema, param, true, cap);
      break;
    }
    case 'regex': {
      const pattern = req.guided_regex;
      if (typeof pattern !== 'string') {
        throw new ConstraintError('guided_regex', 'guided_regex must be a string.');
      }
      built = simple(regexToExpr(pattern, 'guided_regex'));
      break;
    }
    case 'choice':
      built = simple(choiceExpr(req.guided_choice));
      break;
    case 'grammar':
      built = await userGrammar(await xg(), req.guided_grammar);
      break;
    case 'tool_call': {
      const result = await toolCallGrammar(await xg(), req, options.toolCallFormat ?? 'vllm', cap);
      built = result.built;
      toolCall = result.info;
      break;
    }
  }

  let grammar = built.grammar;
  if (wsExpr) {
    grammar = withWhitespace(grammar, wsExpr);
    built.nativeSchema = undefined;
  }
  // llama.cpp refuses counts above 2000 (xgrammar prints e.g. {0,8064} for maxLength 8192)
  const gbnf =
    plan.kind === 'grammar'
      ? (req.guided_grammar as string)
      : printGrammar(splitLongRepetitions(grammar), 'gbnf');
  if (plan.kind !== 'grammar') selfCheck(gbnf);
  const xgrammar: XGrammarSpec = built.nativeSchema
    ? {
        type: 'json_schema',
        schema: built.nativeSchema.schema,
        anyWhitespace: true,
        strictMode: built.nativeSchema.strictMode,
      }
    : { type: 'ebnf', ebnf: printGrammar(grammar, 'xgrammar'), rootRule: 'root' };

  return {
    kind: plan.kind,
    source: plan.source!,
    gbnf,
    xgrammar,
    notEnforced: built.loosening.map((l) => `${l.path || '/'}: ${l.keyword}: ${l.reason}`),
    loosening: built.loosening,
    warnings: [...warnings, ...built.warnings],
    ...(toolCall ? { toolCall } : {}),
  };
}

function simple(expr: Expr): Built {
  return { grammar: { rules: [{ name: 'root', body: expr }] }, loosening: [], warnings: [] };
}

/** Our own printer's output must read back as GBNF; a failure here is a bug, not bad input. */
function selfCheck(gbnf: string): void {
  try {
    checkGrammar(parseGbnf(gbnf));
  } catch (e) {
    throw new Error(`internal error: generated GBNF does not parse: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function choiceExpr(choices: unknown): Expr {
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new ConstraintError(
      'guided_choice',
      'guided_choice must be a non-empty list of strings.',
    );
  }
  return alt(
    ...choices.map((c, i) => {
      if (typeof c !== 'string') {
        throw new ConstraintError(
          `guided_choice`,
          `guided_choice[${i}] must be a string, got ${JSON.stringify(c)}.`,
        );
      }
      return lit(c);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// JSON schema
// ---------------------------------------------------------------------------------------------

const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: false });

function readSchema(req: ConstraintRequest, source: string): { schema: unknown; param: string } {
  if (source === 'guided_json') {
    let schema: unknown = req.guided_json;
    if (typeof schema === 'string') {
      try {
        schema = JSON.parse(schema);
      } catch (e) {
        throw new ConstraintError(
          'guided_json',
          `guided_json is not valid JSON: ${(e as Error).message}`,
        );
      }
    }
    if (
      !(typeof schema === 'object' && schema !== null && !Array.isArray(schema)) &&
      typeof schema !== 'boolean'
    ) {
      throw new ConstraintError(
        'guided_json',
        'guided_json must be a JSON schema (an object, or its JSON text).',
      );
    }
    return { schema, param: 'guided_json' };
  }
  const rf = req.response_format as { json_schema?: unknown };
  const js = rf.json_schema;
  if (typeof js !== 'object' || js === null || Array.isArray(js)) {
    throw new ConstraintError(
      'response_format.json_schema',
      "Missing required parameter: 'response_format.json_schema'.",
    );
  }
  const { name, schema } = js as JsonSchemaFormat;
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConstraintError(
      'response_format.json_schema.name',
      "Missing required parameter: 'response_format.json_schema.name'.",
    );
  }
  if (
    schema !== undefined &&
    !(typeof schema === 'object' && schema !== null && !Array.isArray(schema)) &&
    typeof schema !== 'boolean'
  ) {
    throw new ConstraintError(
      'response_format.json_schema.schema',
      'response_format.json_schema.schema must be a JSON schema object.',
    );
  }
  // OpenAI: without a schema the model may return any JSON; `strict` is kept as vLLM does:
  // the grammar always enforces the schema.
  return { schema: schema ?? {}, param: 'response_format.json_schema.schema' };
}

/** Meta-schema check (draft-07) for a readable "what and where" before xgrammar sees it. */
function metaValidate(schema: unknown, param: string): void {
  if (typeof schema === 'boolean') return;
  // draft-04 and older read differently (boolean exclusiveMinimum); ajv here knows draft-07 only
  const declared = (schema as { $schema?: unknown }).$schema;
  if (typeof declared === 'string' && /draft-0[0-4]\b/.test(declared)) return;
  const copy = { ...(schema as Record<string, unknown>) };
  delete copy.$schema;
  if (!ajv.validateSchema(copy)) {
    const err = ajv.errors?.[0];
    const where = err?.instancePath || '/';
    throw new ConstraintError(
      param,
      `invalid JSON schema at "${where}": ${err?.message ?? 'invalid'}`,
    );
  }
}

/** What the grammar engine refuses in a schema that is valid JSON Schema. */
const UNSUPPORTED = 'unsupported by the grammar engine (xgrammar 0.1.27)';

async function jsonSchemaGrammar(
  xg: XGrammar,
  schema: unknown,
  param: string,
  strictMode: boolean,
  stringCap: number | null = null,
): Promise<Built> {
  metaValidate(schema, param);
  const badRef = unresolvedRef(schema);
  if (badRef) {
    throw new ConstraintError(
      param,
      `invalid JSON schema at "${badRef.path}": $ref ${JSON.stringify(badRef.ref)} points to nothing in the schema`,
    );
  }
  const construct = unsupportedConstruct(schema, strictMode);
  if (construct) throw new ConstraintError(param, `${UNSUPPORTED}: ${construct}`);
  const prepared = prepareSchema(schema, param, { stringCap });
  const text = JSON.stringify(prepared.schema);
  const toEbnf = async (): Promise<string> => {
    const g = await xg.Grammar.fromJSONSchema(text, true, undefined, undefined, strictMode);
    try {
      return g.toString();
    } finally {
      g.dispose();
    }
  };
  let result: { value: string; warnings: string[] };
  try {
    result = await callXGrammar(param, UNSUPPORTED, toEbnf);
  } catch (e) {
    // name the pattern at fault when a regex is what xgrammar refused
    if (!(e instanceof ConstraintError) || isXGrammarBroken(e)) throw e;
    const pattern = await refusedPattern(xg, schema);
    if (pattern && pattern.reason.startsWith(XGRAMMAR_BROKEN)) {
      throw new ConstraintError(param, pattern.reason);
    }
    if (pattern) {
      throw new ConstraintError(
        param,
        `${UNSUPPORTED}: the pattern ${JSON.stringify(pattern.pattern)} at "${pattern.path}" uses a regex construct it cannot convert${patternHint(pattern.pattern)}; xgrammar says: ${pattern.reason}`,
      );
    }
    throw e;
  }
  const { value: printed, warnings } = result;
  let grammar = parseXGrammarPrinted(printed);
  if (prepared.markers.length > 0) {
    grammar = substituteMarkers(grammar, prepared.markers);
  }
  const safe = jsonSafeStringContent(grammar);
  grammar = sanitizeNames(safe.grammar);
  const classWarnings = xgrammarClassIssues(grammar).map(
    (c) =>
      `the WebGPU engine (xgrammar 0.1.27) does not enforce the character class ${c} of this schema exactly (non-ASCII characters)`,
  );
  return {
    grammar,
    // xgrammar can compile the (rewritten) schema itself unless placeholders were swapped in
    // (nor when its own grammar had to be made JSON-safe)
    nativeSchema:
      prepared.markers.length === 0 && !safe.changed ? { schema: text, strictMode } : undefined,
    loosening: prepared.loosening,
    warnings: [...warnings.map((w) => `xgrammar: ${w}`), ...classWarnings],
  };
}

/** What JSON forbids raw inside a string: `"`, `\` and U+0000 to U+001F. */
const JSON_STRING_FORBIDDEN: Array<[number, number]> = [
  [0x00, 0x1f],
  [0x22, 0x22],
  [0x5c, 0x5c],
];

const covers = (ranges: Array<[number, number]>, cp: number): boolean =>
  ranges.some(([a, b]) => a <= cp && cp <= b);

/** The class less `"`, `\` and control characters; null when nothing would be left. */
function withoutForbidden(e: Expr & { t: 'cls' }): Expr | null {
  if (e.neg) {
    const missing = JSON_STRING_FORBIDDEN.filter(([a, b]) => {
      for (let cp = a; cp <= b; cp++) if (!covers(e.ranges, cp)) return true;
      return false;
    });
    return missing.length === 0 ? e : { ...e, ranges: [...e.ranges, ...missing] };
  }
  let ranges = e.ranges;
  for (const [fa, fb] of JSON_STRING_FORBIDDEN) {
    ranges = ranges.flatMap(([a, b]): Array<[number, number]> => {
      if (b < fa || a > fb) return [[a, b]];
      const out: Array<[number, number]> = [];
      if (a < fa) out.push([a, fa - 1]);
      if (b > fb) out.push([fb + 1, b]);
      return out;
    });
  }
  if (ranges.length === 0) return null;
  const same =
    ranges.length === e.ranges.length &&
    ranges.every((r, i) => r[0] === e.ranges[i]![0] && r[1] === e.ranges[i]![1]);
  return same ? e : { ...e, ranges };
}

/**
 * xgrammar 0.1.27 writes the characters of strings with minLength/maxLength as `[^"\\\r\n]`
 * and a pattern's `.` as any character: raw tabs and other control characters (and, for a
 * pattern, raw `"` and `\`) get through, and the text is then not JSON (seen: a tab inside a
 * string the string cap bounded). Everything between an opening `"` and its closing `"` in a
 * sequence (and in the rules it uses) is string content; its character classes lose what JSON
 * forbids raw there, except the one right after a `\` (an escape). Strings whose only
 * characters are such become unmatchable classes left as they are (none in practice).
 */
export function jsonSafeStringContent(g: Grammar): { grammar: Grammar; changed: boolean } {
  const QUOTE = 0x22;
  const BACKSLASH = 0x5c;
  const isLit = (e: Expr, cp: number) => e.t === 'lit' && e.cps.length === 1 && e.cps[0] === cp;
  const byName = new Map(g.rules.map((r) => [r.name, r]));
  const contentRules = new Set<string>();
  const pending: string[] = [];
  // 1. find the content positions and the rules they use
  const visitContent = (e: Expr): void => {
    if (e.t === 'ref') {
      if (!contentRules.has(e.name) && byName.has(e.name)) {
        contentRules.add(e.name);
        pending.push(e.name);
      }
    } else if (e.t === 'seq') e.items.forEach(visitContent);
    else if (e.t === 'alt') e.alts.forEach(visitContent);
    else if (e.t === 'rep') visitContent(e.body);
  };
  const findStrings = (e: Expr): void => {
    if (e.t === 'seq') {
      const open = e.items.findIndex((x) => isLit(x, QUOTE));
      const close = open >= 0 ? e.items.findIndex((x, i) => i > open && isLit(x, QUOTE)) : -1;
      if (open >= 0 && close > open) {
        e.items.slice(open + 1, close).forEach(visitContent);
        e.items.slice(0, open).forEach(findStrings);
        findStrings({ t: 'seq', items: e.items.slice(close + 1) });
        return;
      }
      e.items.forEach(findStrings);
    } else if (e.t === 'alt') e.alts.forEach(findStrings);
    else if (e.t === 'rep') findStrings(e.body);
  };
  for (const r of g.rules) findStrings(r.body);
  while (pending.length > 0) visitContent(byName.get(pending.pop()!)!.body);
  // 2. restrict the classes there
  let changed = false;
  const restrict = (e: Expr): Expr => {
    switch (e.t) {
      case 'cls': {
        const out = withoutForbidden(e);
        if (out === null || out === e) return e;
        changed = true;
        return out;
      }
      case 'any':
        changed = true;
        return { t: 'cls', neg: true, ranges: JSON_STRING_FORBIDDEN };
      case 'seq':
        return {
          t: 'seq',
          items: e.items.map((x, i) =>
            i > 0 && isLit(e.items[i - 1]!, BACKSLASH) ? x : restrict(x),
          ),
        };
      case 'alt':
        return { t: 'alt', alts: e.alts.map(restrict) };
      case 'rep':
        return { ...e, body: restrict(e.body) };
      default:
        return e;
    }
  };
  const restrictStrings = (e: Expr): Expr => {
    if (e.t === 'seq') {
      const open = e.items.findIndex((x) => isLit(x, QUOTE));
      const close = open >= 0 ? e.items.findIndex((x, i) => i > open && isLit(x, QUOTE)) : -1;
      if (open >= 0 && close > open) {
        const rest = restrictStrings({ t: 'seq', items: e.items.slice(close + 1) });
        return {
          t: 'seq',
          items: [
            ...e.items.slice(0, open).map(restrictStrings),
            ...e.items
              .slice(open, close + 1)
              .map((x, i) => (i === 0 || x === e.items[close] ? x : restrict(x))),
            ...(rest.t === 'seq' ? rest.items : [rest]),
          ],
        };
      }
      return { t: 'seq', items: e.items.map(restrictStrings) };
    }
    if (e.t === 'alt') return { t: 'alt', alts: e.alts.map(restrictStrings) };
    if (e.t === 'rep') return { ...e, body: restrictStrings(e.body) };
    return e;
  };
  const rules = g.rules.map((r) => ({
    ...r,
    body: contentRules.has(r.name) ? restrict(r.body) : restrictStrings(r.body),
  }));
  return { grammar: { rules }, changed };
}

/**
 * Valid JSON Schema that xgrammar refuses with an unhelpful reason, found before calling it:
 * strict mode reads a missing `items` as "no items", so `minItems` > 0 cannot be met.
 */
function unsupportedConstruct(schema: unknown, strictMode: boolean): string | null {
  let found: string | null = null;
  walkSchemas(schema, '', (node, path) => {
    if (found) return;
    if (typeof node.$ref === 'string' && refThroughArray(schema, node.$ref)) {
      found = `the $ref ${JSON.stringify(node.$ref)} at "${path || '/'}" goes through a list (an array index); xgrammar follows references through objects only. Move the definition to the root "$defs".`;
      return;
    }
    if (!strictMode) return;
    const isArray =
      node.type === 'array' || (Array.isArray(node.type) && node.type.includes('array'));
    const min = node.minItems;
    const tuple = Array.isArray(node.prefixItems)
      ? node.prefixItems.length
      : Array.isArray(node.items)
        ? node.items.length
        : 0;
    const open =
      (node.items !== undefined && !Array.isArray(node.items)) ||
      node.additionalItems !== undefined;
    if (isArray && typeof min === 'number' && min > tuple && !open) {
      found = `the array at "${path || '/'}" has minItems ${min} but no "items" schema; in strict mode (as on vLLM) that allows ${tuple === 0 ? 'no items at all' : `only the ${tuple} listed`}. Add "items" (e.g. {}) to allow any item.`;
    }
  });
  return found;
}

/** Does this local reference step into an array on its way? */
function refThroughArray(schema: unknown, ref: string): boolean {
  if (!ref.startsWith('#/')) return false;
  let node: unknown = schema;
  for (const raw of ref.slice(2).split('/')) {
    if (Array.isArray(node)) return true;
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return false;
}

/** The first `#...` reference that points to nothing in the schema. */
function unresolvedRef(schema: unknown): { ref: string; path: string } | null {
  let found: { ref: string; path: string } | null = null;
  const resolve = (ref: string): boolean => {
    if (ref === '#') return true;
    // references outside the schema are xgrammar's to read (schema.ts reports them)
    if (!ref.startsWith('#/')) return !ref.startsWith('#');
    let node: unknown = schema;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (typeof node !== 'object' || node === null || !(key in node)) return false;
      node = (node as Record<string, unknown>)[key];
    }
    return true;
  };
  walkSchemas(schema, '', (node, path) => {
    if (!found && typeof node.$ref === 'string' && !resolve(node.$ref)) {
      found = { ref: node.$ref, path: path || '/' };
    }
  });
  return found;
}

/** Calls `visit` on every schema object of `schema` (sub-schemas of the usual keywords). */
function walkSchemas(
  node: unknown,
  path: string,
  visit: (node: Record<string, unknown>, path: string) => void,
): void {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
  const obj = node as Record<string, unknown>;
  visit(obj, path);
  const part = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');
  for (const [key, value] of Object.entries(obj)) {
    if (
      ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'].includes(key)
    ) {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [name, sub] of Object.entries(value))
          walkSchemas(sub, `${path}/${key}/${part(name)}`, visit);
      }
    } else if (
      ['anyOf', 'oneOf', 'allOf', 'prefixItems', 'items'].includes(key) &&
      Array.isArray(value)
    ) {
      value.forEach((sub, i) => walkSchemas(sub, `${path}/${key}/${i}`, visit));
    } else if (
      [
        'items',
        'additionalItems',
        'additionalProperties',
        'not',
        'if',
        'then',
        'else',
        'contains',
        'propertyNames',
      ].includes(key)
    ) {
      walkSchemas(value, `${path}/${key}`, visit);
    }
  }
}

/** "(|", "|)", "||" or a leading / trailing "|" outside a class (rough, only for a hint). */
const EMPTY_ALTERNATIVE = /(^\^?\|)|(\|\$?$)|(^|[^\\])(\(\||\|\)|\|\|)/;

function patternHint(pattern: string): string {
  if (pattern.includes('\u0000')) return ' (a raw U+0000 character; the escape "\\u0000" works)';
  if (EMPTY_ALTERNATIVE.test(pattern)) {
    return ' (an empty alternative, as in "(|a)"; write "(a)?" instead)';
  }
  return '';
}

/** The first `pattern` of the schema that xgrammar refuses on its own, with its reason. */
async function refusedPattern(
  xg: XGrammar,
  schema: unknown,
): Promise<{ pattern: string; path: string; reason: string } | null> {
  const patterns: Array<{ pattern: string; path: string }> = [];
  walkSchemas(schema, '', (node, path) => {
    if (typeof node.pattern === 'string')
      patterns.push({ pattern: node.pattern, path: `${path}/pattern` });
  });
  for (const p of patterns) {
    try {
      await callXGrammar('pattern', 'refused', async () => {
        const g = await xg.Grammar.fromJSONSchema(
          JSON.stringify({ type: 'string', pattern: p.pattern }),
          true,
        );
        g.dispose();
      });
    } catch (e) {
      return { ...p, reason: (e as Error).message.replace(/^refused: /, '') };
    }
  }
  return null;
}

/** Replaces the placeholders of schema.ts (bounded integers, awkward property names). */
function substituteMarkers(
  grammar: Grammar,
  markers: Array<{ marker: string; expr: Expr; inline: boolean }>,
): Grammar {
  const names = new Set(grammar.rules.map((r) => r.name));
  const extra: Rule[] = [];
  const byQuoted = new Map<string, Expr>();
  markers.forEach(({ marker, expr, inline }, i) => {
    if (inline) {
      byQuoted.set(JSON.stringify(marker), expr);
      return;
    }
    let name = `int-range-${i}`;
    while (names.has(name)) name += '-x';
    names.add(name);
    extra.push({ name, body: expr });
    byQuoted.set(JSON.stringify(marker), ref(name));
  });
  const pattern = new RegExp(
    [...byQuoted.keys()].map((q) => q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
    'g',
  );
  const out = mapExprs(grammar, (e) => {
    if (e.t !== 'lit') return e;
    const text = String.fromCodePoint(...e.cps);
    if (!pattern.test(text)) return e;
    pattern.lastIndex = 0;
    const parts: Expr[] = [];
    let last = 0;
    for (const m of text.matchAll(pattern)) {
      if (m.index > last) parts.push(lit(text.slice(last, m.index)));
      parts.push(byQuoted.get(m[0])!);
      last = m.index + m[0].length;
    }
    if (last < text.length) parts.push(lit(text.slice(last)));
    return seq(...parts);
  });
  return { rules: [...out.rules, ...extra] };
}

/**
 * Swaps xgrammar's inter-token whitespace `[ \n\t]*` for `wsExpr`. The expression is written
 * in place, not as a rule: xgrammar 0.1.27 mis-parses a reference to a rule that can match
 * nothing there (with a `ws ::= [ \n\t]*` rule, `{"a":"x" "b":1}` passes without its comma;
 * see compile.test.ts). Repetitions inside it become rules that match at least one character,
 * so the GBNF stays small (llama.cpp expands every `{m,n}` it reads).
 */
function withWhitespace(grammar: Grammar, wsExpr: Expr): Grammar {
  const names = new Set(grammar.rules.map((r) => r.name));
  const extra: Rule[] = [];
  const hoist = (e: Expr): Expr => {
    switch (e.t) {
      case 'seq':
        return seq(...e.items.map(hoist));
      case 'alt':
        return alt(...e.alts.map(hoist));
      case 'rep': {
        const body = hoist(e.body);
        if (e.max !== null && e.max <= 1) return rep(body, e.min, e.max);
        let name = `${WS_RULE}-run`;
        for (let i = 2; names.has(name); i++) name = `${WS_RULE}-run-${i}`;
        names.add(name);
        extra.push({ name, body: rep(body, Math.max(1, e.min), e.max) });
        return e.min === 0 ? rep(ref(name), 0, 1) : ref(name);
      }
      default:
        return e;
    }
  };
  const inline = hoist(wsExpr);
  const replaced = mapExprs(dropLookaheads(grammar), (e) =>
    e.t === 'rep' && e.min === 0 && e.max === null && classIs(e.body, [0x09, 0x0a, 0x20])
      ? inline
      : e,
  );
  return { rules: [...replaced.rules, ...extra] };
}

// ---------------------------------------------------------------------------------------------
// guided_grammar
// ---------------------------------------------------------------------------------------------

async function userGrammar(xg: XGrammar, text: unknown): Promise<Built> {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new ConstraintError(
      'guided_grammar',
      'guided_grammar must be a non-empty GBNF grammar string.',
    );
  }
  let grammar: Grammar;
  try {
    grammar = parseGbnf(text);
    checkGrammar(grammar);
  } catch (e) {
    if (e instanceof GrammarSyntaxError) {
      throw new ConstraintError('guided_grammar', `invalid grammar: ${e.message}`);
    }
    throw e;
  }
  const classIssue = xgrammarClassIssues(grammar)[0];
  if (classIssue) {
    throw new ConstraintError(
      'guided_grammar',
      `invalid grammar: the character class ${classIssue} cannot be enforced on the WebGPU engine (xgrammar 0.1.27 reads classes with non-ASCII characters only as a positive list of at most ${NON_ASCII_LITERAL_LIMIT} of them)`,
    );
  }
  const ebnf = printGrammar(grammar, 'xgrammar');
  const { warnings } = await callXGrammar(
    'guided_grammar',
    'grammar refused by xgrammar',
    async () => {
      const g = await xg.Grammar.fromEBNF(ebnf, 'root');
      g.dispose();
    },
  );
  return { grammar, loosening: [], warnings: warnings.map((w) => `xgrammar: ${w}`) };
}

// ---------------------------------------------------------------------------------------------
// Tool calls
// ---------------------------------------------------------------------------------------------

async function toolCallGrammar(
  xg: XGrammar,
  req: ConstraintRequest,
  format: ToolCallFormat,
  stringCap: number | null,
): Promise<{ built: Built; info: ToolCallInfo }> {
  const tools = req.tools;
  if (!Array.isArray(tools) || tools.length === 0) {
    throw new ConstraintError(
      'tools',
      'When using `tool_choice` "required" or a named function, `tools` must be set.',
    );
  }
  const all = tools.map((t, i) => {
    const fn = (t as { function?: { name?: unknown; parameters?: unknown } } | null)?.function;
    if (
      (t as { type?: unknown }).type !== 'function' ||
      typeof fn?.name !== 'string' ||
      fn.name === ''
    ) {
      throw new ConstraintError(
        `tools[${i}]`,
        `tools[${i}] must be {"type": "function", "function": {"name": ..., "parameters": {...}}}.`,
      );
    }
    return { index: i, name: fn.name, parameters: fn.parameters };
  });
  const choice = req.tool_choice;
  let selected = all;
  let parallel = req.parallel_tool_calls !== false;
  if (typeof choice === 'object' && choice !== null) {
    const name = (choice as { function?: { name?: unknown } }).function?.name;
    const found = all.filter((t) => t.name === name);
    if (typeof name !== 'string' || found.length === 0) {
      throw new ConstraintError(
        'tool_choice',
        `tool_choice names function ${JSON.stringify(name)}, which is not among the request's tools (${all.map((t) => t.name).join(', ')}).`,
      );
    }
    selected = found.slice(0, 1);
    parallel = false;
  }
  if (format === 'llama3_json') parallel = false;

  const rules: Rule[] = [];
  const loosening: SchemaLoosening[] = [];
  const warnings: string[] = [];
  const branches: Expr[] = [];
  for (const tool of selected) {
    const param = `tools[${tool.index}].function.parameters`;
    const schema = tool.parameters ?? { type: 'object', properties: {} };
    const built = await jsonSchemaGrammar(xg, schema, param, true, stringCap);
    const prefix = `t${tool.index}-`;
    rules.push(...renameRules(built.grammar, (n) => prefix + n).rules);
    loosening.push(
      ...built.loosening.map((l) => ({
        ...l,
        path: `/tools/${tool.index}/function/parameters${l.path}`,
      })),
    );
    warnings.push(...built.warnings);
    const argsKey = format === 'hermes' ? 'arguments' : 'parameters';
    branches.push(seq(lit(`${JSON.stringify(tool.name)}, "${argsKey}": `), ref(`${prefix}root`)));
  }
  if (format === 'vllm') {
    const named = typeof choice === 'object' && choice !== null;
    if (named) {
      rules.push({ name: 'root', body: ref(`t${selected[0]!.index}-root`) });
    } else {
      rules.push({ name: 'tool-fn', body: alt(...branches) });
      rules.push({ name: 'tool-call', body: seq(lit('{"name": '), ref('tool-fn'), lit('}')) });
      const more = parallel ? rep(seq(lit(', '), ref('tool-call')), 0, null) : seq();
      rules.push({ name: 'root', body: seq(lit('['), ref('tool-call'), more, lit(']')) });
    }
    return {
      built: { grammar: { rules }, loosening, warnings },
      info: { format, names: selected.map((t) => t.name), parallel },
    };
  }
  rules.push({ name: 'tool-fn', body: alt(...branches) });
  const call =
    format === 'hermes'
      ? seq(lit('<tool_call>\n{"name": '), ref('tool-fn'), lit('}\n</tool_call>'))
      : seq(lit('{"name": '), ref('tool-fn'), lit('}'));
  rules.push({ name: 'tool-call', body: call });
  rules.push({
    name: 'root',
    body: parallel
      ? seq(ref('tool-call'), rep(seq(lit('\n'), ref('tool-call')), 0, null))
      : ref('tool-call'),
  });
  return {
    built: { grammar: { rules }, loosening, warnings },
    info: { format, names: selected.map((t) => t.name), parallel },
  };
}
