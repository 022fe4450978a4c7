/**
 * An @huggingface/jinja interpreter that evaluates chat templates the way Python's Jinja2 does
 * in transformers' sandbox, where the two differ on real templates.
 *
 * We subclass the library's Interpreter and take over `evaluate` for the node types whose
 * JavaScript behaviour differs from Python's; everything else is delegated to the library.
 * Sub-expressions that we already evaluated are handed back to the library as `PyValue`
 * nodes, so nothing is evaluated twice. Differences handled here (each is pinned by the
 * golden cases of tools/template-golden or by unit tests):
 *
 * - Printing: `{{ none }}` prints "None", booleans "True"/"False", lists and dicts Python's
 *   repr (`['a', None]`), floats Python's repr (`1e-05`, `5.0`), undefined prints "".
 *   (The library prints "", "true", JSON and JavaScript numbers.) `~` and `|string` likewise.
 * - `str.strip/lstrip/rstrip(chars)` honour their argument (the library ignores it and trims
 *   all whitespace, which changes Qwen3's `reasoning_content.strip('\n')`); whitespace is
 *   Python's (`|trim` keeps U+FEFF, strips U+001F); `split()`, `title()`, `capitalize()`,
 *   `replace()` and friends follow Python.
 * - `selectattr/rejectattr` pass undefined attributes to the test (so `selectattr("x",
 *   "undefined")` selects items without x; the library never selects them); `select`,
 *   `reject`, `map`, `join`, `list`, `first`, `last`, `length`, `items`, `default` follow Python.
 * - `trim` on none gives "None" and on undefined "" (the library throws).
 * - `+` of a string and a list/dict raises TypeError as Python does (the library
 *   concatenates their text); `==`, `!=`, `in` use Python equality (the library uses
 *   JavaScript's loose `==`, so `1 == '1'` was true and `[1] == [1]` false); `%` and `//`
 *   round like Python; bool is a number (`true + 1 == 2`).
 * - Tests: `is iterable` is true for dicts, tuples and undefined, `is number` for bools,
 *   `is lower/upper` need a cased character, as in Python.
 * - `for` iterates strings (characters) and undefined (nothing) as Python does; `set` inside
 *   a loop body does not carry over to the next iteration (Jinja2 scoping); `loop.cycle`.
 * - Attribute access on an undefined value raises (Jinja2's default Undefined), instead of
 *   silently giving undefined.
 * - `tojson` is Python's json.dumps with transformers' defaults (ensure_ascii=False, ", " and
 *   ": " separators, insertion order), with Python's float formatting and its argument order
 *   (ensure_ascii, indent, separators, sort_keys).
 * - Globals: raise_exception, strftime_now (C locale, caller-pinnable clock), range (capped
 *   like the sandbox), dict, namespace, True/False/None.
 *
 * Remaining differences (documented, not worked around): numbers from JSON lose the int/float
 * distinction before we see them (`1.0` arrives as `1`, except inside tool-call `arguments`
 * strings, which we parse ourselves); object keys that look like integers come first in
 * JavaScript objects; tests with arguments in `is` form (`is divisibleby 3`) and `{% raw %}`
 * do not parse in the library; filters we do not override (sort, unique, indent, round, ...)
 * keep the library's behaviour.
 */
import { Environment, Interpreter } from '@huggingface/jinja';
import {
  type JNode,
  type JStatement,
  type RV,
  isBool,
  isDict,
  isFloat,
  isFunc,
  isInt,
  isNamespace,
  isNone,
  isNumeric,
  isSeq,
  isStr,
  isUndef,
  mk,
  numericValue,
} from './runtime';
import {
  PyError,
  isPySpace,
  pyBool,
  pyCapitalize,
  pyEquals,
  pyIterate,
  pyJsonDumps,
  pyPercentFormat,
  pyReplace,
  pySplit,
  pySplitLines,
  pyStr,
  pyStrftime,
  pyStrip,
  pyTitle,
  pyTypeName,
  type JsonOptions,
} from './pyValues';

/** raise_exception(msg) from a template: the message is the template's own. */
export class TemplateRaise extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A render that ran past its budget (time or output size): a runaway template. */
export class TemplateBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateBudgetError';
  }
}

/**
 * How much one render may take. Real chat templates render in milliseconds into a prompt
 * that fits a context window; a loop over range(99999) twice would otherwise hold the
 * engine for hours.
 */
export interface RenderBudget {
  /** Wall-clock limit of one render, in milliseconds. */
  maxMs: number;
  /** Longest text any part of the render may produce, in UTF-16 units. */
  maxOutputChars: number;
}

export const DEFAULT_RENDER_BUDGET: RenderBudget = { maxMs: 2000, maxOutputChars: 4_000_000 };

/** The clock is read once per this many evaluation steps (reading it each step is slow). */
const STEPS_PER_CLOCK_READ = 1024;

class LoopBreak extends Error {}
class LoopContinue extends Error {}

/** A node that evaluates to an already computed value. */
function valueNode(value: RV): JStatement {
  return { type: 'PyValue', value } as unknown as JStatement;
}

const asNode = (x: unknown): JNode => x as JNode;
const asStatement = (x: unknown): JStatement => x as JStatement;

const STATEMENT_TYPES = new Set([
  'Program',
  'Set',
  'If',
  'For',
  'Macro',
  'CallStatement',
  'FilterStatement',
  'Break',
  'Continue',
  'Comment',
]);
const BODY_FIELDS = ['body', 'alternate', 'defaultBlock'];

/**
 * Wraps every expression that a template prints (`{{ ... }}` and literal text) in a
 * `PyOutput` node, so that it is printed with Python's str(). Mutates the program in place.
 */
export function wrapOutputs(node: JNode): void {
  for (const field of BODY_FIELDS) {
    const list = node[field];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const child = asNode(list[i]);
      if (STATEMENT_TYPES.has(child.type)) wrapOutputs(child);
      else if (child.type !== 'PyOutput') list[i] = { type: 'PyOutput', expr: child };
    }
  }
}

/** Splits a function's runtime arguments into positional ones and keyword ones. */
function splitArgs(args: RV[]): [RV[], Map<string, RV>] {
  const last = args[args.length - 1];
  if (last && last.type === 'KeywordArgumentsValue' && isDict(last)) {
    return [args.slice(0, -1), last.value];
  }
  return [args, new Map()];
}

function describe(node: JNode): string {
  if (node.type === 'Identifier') return String(node.value);
  if (node.type === 'MemberExpression') {
    const prop = asNode(node.property);
    const base = describe(asNode(node.object));
    if (!node.computed && prop.type === 'Identifier') return `${base}.${String(prop.value)}`;
    if (prop.type === 'StringLiteral') return `${base}['${String(prop.value)}']`;
    if (prop.type === 'IntegerLiteral') return `${base}[${String(prop.value)}]`;
    return `${base}[...]`;
  }
  return 'value';
}

function undefinedError(node: JNode): PyError {
  return new PyError('UndefinedError', `'${describe(node)}' is undefined`);
}

const MAX_RANGE = 100_000; // Jinja2's sandbox refuses larger ranges

/** Python's attribute-or-item lookup along a dotted path ("a.b.0"), as Jinja2's attrgetter. */
function getPath(v: RV, path: RV): RV {
  const parts = isInt(path) ? [String(path.value)] : pyStr(path).split('.');
  let cur = v;
  for (const part of parts) {
    if (isDict(cur) || isNamespace(cur)) cur = cur.value.get(part) ?? mk.undef();
    else if (isSeq(cur) && /^-?\d+$/.test(part))
      cur = (cur.value as RV[]).at(Number(part)) ?? mk.undef();
    else return mk.undef();
  }
  return cur;
}

type Test = (v: RV, ...args: RV[]) => boolean;

function isLowerPy(s: string): boolean {
  const cased = Array.from(s).filter((c) => c.toLowerCase() !== c.toUpperCase());
  return cased.length > 0 && cased.every((c) => c === c.toLowerCase());
}
function isUpperPy(s: string): boolean {
  const cased = Array.from(s).filter((c) => c.toLowerCase() !== c.toUpperCase());
  return cased.length > 0 && cased.every((c) => c === c.toUpperCase());
}
function compare(a: RV, b: RV, op: string): boolean {
  if (isNumeric(a) && isNumeric(b)) {
    const x = numericValue(a);
    const y = numericValue(b);
    return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
  }
  if (isStr(a) && isStr(b)) {
    const x = a.value;
    const y = b.value;
    return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
  }
  throw new PyError(
    'TypeError',
    `'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`,
  );
}

function contains(container: RV, item: RV): boolean {
  if (isStr(container)) {
    if (!isStr(item)) {
      throw new PyError(
        'TypeError',
        `'in <string>' requires string as left operand, not ${pyTypeName(item)}`,
      );
    }
    return container.value.includes(item.value);
  }
  if (isSeq(container)) return container.value.some((x) => pyEquals(x, item));
  if (isDict(container)) return isStr(item) && container.value.has(item.value);
  if (isUndef(container)) return false;
  throw new PyError('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

const TESTS = new Map<string, Test>(
  Object.entries({
    defined: (v) => !isUndef(v),
    undefined: (v) => isUndef(v),
    none: (v) => isNone(v),
    boolean: (v) => isBool(v),
    true: (v) => isBool(v) && v.value,
    false: (v) => isBool(v) && !v.value,
    string: (v) => isStr(v),
    number: (v) => isNumeric(v),
    integer: (v) => isInt(v),
    float: (v) => isFloat(v),
    mapping: (v) => isDict(v),
    iterable: (v) => isStr(v) || isSeq(v) || isDict(v) || isUndef(v),
    sequence: (v) => isStr(v) || isSeq(v) || isDict(v) || isUndef(v),
    callable: (v) => isFunc(v),
    odd: (v) => isNumeric(v) && Math.abs(numericValue(v) % 2) === 1,
    even: (v) => isNumeric(v) && numericValue(v) % 2 === 0,
    lower: (v) => isLowerPy(pyStr(v)),
    upper: (v) => isUpperPy(pyStr(v)),
    escaped: () => false,
    eq: (v, o) => pyEquals(v, o ?? mk.undef()),
    equalto: (v, o) => pyEquals(v, o ?? mk.undef()),
    '==': (v, o) => pyEquals(v, o ?? mk.undef()),
    ne: (v, o) => !pyEquals(v, o ?? mk.undef()),
    '!=': (v, o) => !pyEquals(v, o ?? mk.undef()),
    lt: (v, o) => compare(v, o ?? mk.undef(), '<'),
    lessthan: (v, o) => compare(v, o ?? mk.undef(), '<'),
    '<': (v, o) => compare(v, o ?? mk.undef(), '<'),
    le: (v, o) => compare(v, o ?? mk.undef(), '<='),
    '<=': (v, o) => compare(v, o ?? mk.undef(), '<='),
    gt: (v, o) => compare(v, o ?? mk.undef(), '>'),
    greaterthan: (v, o) => compare(v, o ?? mk.undef(), '>'),
    '>': (v, o) => compare(v, o ?? mk.undef(), '>'),
    ge: (v, o) => compare(v, o ?? mk.undef(), '>='),
    '>=': (v, o) => compare(v, o ?? mk.undef(), '>='),
    in: (v, o) => contains(o ?? mk.undef(), v),
    sameas: (v, o) =>
      (isNone(v) && !!o && isNone(o)) ||
      (isBool(v) && !!o && isBool(o) && v.value === o.value) ||
      v === o,
    divisibleby: (v, o) =>
      isNumeric(v) && !!o && isNumeric(o) && numericValue(v) % numericValue(o) === 0,
  } satisfies Record<string, Test>),
);

function getTest(name: string): Test {
  const test = TESTS.get(name);
  if (!test) throw new PyError('TemplateRuntimeError', `No test named '${name}'.`);
  return test;
}

/** The Python string methods chat templates call, with Python's semantics. */
function strMethod(s: string, name: string, args: RV[], kwargs: Map<string, RV>): RV | null {
  const arg = (i: number, key: string): RV | undefined => args[i] ?? kwargs.get(key);
  const optStr = (i: number, key: string): string | null => {
    const v = arg(i, key);
    if (v === undefined || isNone(v)) return null;
    if (!isStr(v)) throw new PyError('TypeError', `${name} arg must be None or str`);
    return v.value;
  };
  const optInt = (i: number, key: string, dflt: number): number => {
    const v = arg(i, key);
    return v === undefined || isNone(v) ? dflt : numericValue(v as RV & { value: number });
  };
  switch (name) {
    case 'strip':
      return mk.str(pyStrip(s, optStr(0, 'chars')));
    case 'lstrip':
      return mk.str(pyStrip(s, optStr(0, 'chars'), true, false));
    case 'rstrip':
      return mk.str(pyStrip(s, optStr(0, 'chars'), false, true));
    case 'split':
    case 'rsplit':
      return mk.list(
        pySplit(s, optStr(0, 'sep'), optInt(1, 'maxsplit', -1), name === 'rsplit').map(mk.str),
      );
    case 'splitlines':
      return mk.list(pySplitLines(s).map(mk.str));
    case 'startswith':
    case 'endswith': {
      const p = arg(0, 'prefix') ?? mk.undef();
      const options = isSeq(p) ? p.value : [p];
      const start = optInt(1, 'start', 0);
      const end = optInt(2, 'end', s.length);
      const sub = s.slice(start, end);
      return mk.bool(
        options.some((o) => {
          if (!isStr(o))
            throw new PyError('TypeError', `${name} first arg must be str or a tuple of str`);
          return name === 'startswith' ? sub.startsWith(o.value) : sub.endsWith(o.value);
        }),
      );
    }
    case 'replace': {
      const old = arg(0, 'old');
      const rep = arg(1, 'new');
      if (!old || !rep || !isStr(old) || !isStr(rep)) {
        throw new PyError('TypeError', 'replace() arguments must be str');
      }
      return mk.str(pyReplace(s, old.value, rep.value, optInt(2, 'count', -1)));
    }
    case 'upper':
      return mk.str(s.toUpperCase());
    case 'lower':
      return mk.str(s.toLowerCase());
    case 'title':
      return mk.str(pyTitle(s));
    case 'capitalize':
      return mk.str(pyCapitalize(s));
    case 'find':
    case 'index':
    case 'rfind':
    case 'rindex': {
      const sub = optStr(0, 'sub') ?? '';
      const at = name.startsWith('r') ? s.lastIndexOf(sub) : s.indexOf(sub);
      if (at < 0 && name.endsWith('index')) throw new PyError('ValueError', 'substring not found');
      return mk.int(at < 0 ? -1 : Array.from(s.slice(0, at)).length);
    }
    case 'count': {
      const sub = optStr(0, 'sub') ?? '';
      return mk.int(sub === '' ? Array.from(s).length + 1 : s.split(sub).length - 1);
    }
    case 'join': {
      const items = pyIterate(arg(0, 'iterable') ?? mk.undef(), mk.str);
      return mk.str(
        items
          .map((x, i) => {
            if (!isStr(x)) {
              throw new PyError(
                'TypeError',
                `sequence item ${i}: expected str instance, ${pyTypeName(x)} found`,
              );
            }
            return x.value;
          })
          .join(s),
      );
    }
    case 'isspace':
      return mk.bool(s.length > 0 && Array.from(s).every(isPySpace));
    case 'isdigit':
    case 'isnumeric':
    case 'isdecimal':
      return mk.bool(/^\p{Nd}+$/u.test(s));
    case 'isalpha':
      return mk.bool(/^\p{L}+$/u.test(s));
    case 'isalnum':
      return mk.bool(/^[\p{L}\p{Nd}]+$/u.test(s));
    case 'islower':
      return mk.bool(isLowerPy(s));
    case 'isupper':
      return mk.bool(isUpperPy(s));
    default:
      return null;
  }
}

/** dict.items() / keys() / values() / get(): items are tuples, as in Python. */
function dictMethod(d: Map<string, RV>, name: string, args: RV[]): RV | null {
  switch (name) {
    case 'items':
      return mk.list([...d].map(([k, v]) => mk.tuple([mk.str(k), v])));
    case 'keys':
      return mk.list([...d.keys()].map(mk.str));
    case 'values':
      return mk.list([...d.values()]);
    case 'get': {
      const key = args[0];
      const found = key && isStr(key) ? d.get(key.value) : undefined;
      return found ?? args[1] ?? mk.none();
    }
    default:
      return null;
  }
}

const PY_FILTERS = new Set([
  'format',
  'trim',
  'string',
  'join',
  'selectattr',
  'rejectattr',
  'select',
  'reject',
  'map',
  'tojson',
  'length',
  'count',
  'list',
  'first',
  'last',
  'default',
  'd',
  'upper',
  'lower',
  'title',
  'capitalize',
  'items',
  'replace',
  'safe',
]);

export interface PyInterpreterOptions {
  /** The clock strftime_now reads (local time). */
  now: () => Date;
}

export class PyInterpreter extends Interpreter {
  private steps = 0;
  private readonly deadline: number;

  constructor(
    env: Environment,
    private readonly budget: RenderBudget = DEFAULT_RENDER_BUDGET,
  ) {
    super(env);
    this.deadline = Date.now() + budget.maxMs;
  }

  /** Throws once the render has used up its time or produced too much text. */
  private checkBudget(out: RV | string): void {
    const size = typeof out === 'string' ? out.length : isStr(out) ? out.value.length : 0;
    if (size > this.budget.maxOutputChars)
      throw new TemplateBudgetError(
        `rendering stopped: the template produced more than ${this.budget.maxOutputChars} characters`,
      );
    if (++this.steps % STEPS_PER_CLOCK_READ === 0 && Date.now() > this.deadline)
      throw new TemplateBudgetError(
        `rendering stopped after ${this.budget.maxMs} ms: the template runs too long (a loop that never ends, or far too many iterations)`,
      );
  }

  /** Declares the globals transformers' sandbox provides. */
  static installGlobals(env: Environment, options: PyInterpreterOptions): void {
    const set = (name: string, v: RV): void => void env.setVariable(name, v);
    set('true', mk.bool(true));
    set('false', mk.bool(false));
    set('none', mk.none());
    set('True', mk.bool(true));
    set('False', mk.bool(false));
    set('None', mk.none());
    set(
      'raise_exception',
      mk.fn((args) => {
        throw new TemplateRaise(pyStr(splitArgs(args)[0][0] ?? mk.undef()));
      }),
    );
    set(
      'strftime_now',
      mk.fn((args) => {
        const fmt = splitArgs(args)[0][0] ?? mk.undef();
        if (!isStr(fmt)) throw new PyError('TypeError', 'strftime() argument 1 must be str');
        return mk.str(pyStrftime(fmt.value, options.now()));
      }),
    );
    set(
      'range',
      mk.fn((args) => {
        const nums = splitArgs(args)[0].map((a) => {
          if (!isInt(a) && !isBool(a)) {
            throw new PyError(
              'TypeError',
              `'${pyTypeName(a)}' object cannot be interpreted as an integer`,
            );
          }
          return numericValue(a);
        });
        const [start, stop, step] =
          nums.length === 1
            ? [0, nums[0] as number, 1]
            : [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 1];
        if (step === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero');
        const n = Math.max(0, Math.ceil((stop - start) / step));
        if (n > MAX_RANGE) {
          throw new PyError(
            'OverflowError',
            `Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`,
          );
        }
        return mk.list(Array.from({ length: n }, (_, i) => mk.int(start + i * step)));
      }),
    );
    set(
      'dict',
      mk.fn((args) => {
        const [pos, kw] = splitArgs(args);
        const out = new Map<string, RV>();
        const src = pos[0];
        if (src && isDict(src)) for (const [k, v] of src.value) out.set(k, v);
        else if (src && isSeq(src)) {
          for (const pair of src.value) {
            const kv = pyIterate(pair, mk.str);
            if (kv.length !== 2)
              throw new PyError(
                'ValueError',
                'dictionary update sequence element has wrong length',
              );
            out.set(pyStr(kv[0] as RV), kv[1] as RV);
          }
        }
        for (const [k, v] of kw) out.set(k, v);
        return mk.dict(out);
      }),
    );
  }

  override evaluate(statement: JStatement | undefined, environment: Environment): RV {
    const result = this.evaluateNode(statement, environment);
    this.checkBudget(result);
    return result;
  }

  private evaluateNode(statement: JStatement | undefined, environment: Environment): RV {
    if (!statement) return super.evaluate(statement, environment);
    const node = asNode(statement);
    switch (node.type) {
      case 'PyValue':
        return node.value as RV;
      case 'PyOutput':
        return mk.str(pyStr(this.evaluate(asStatement(node.expr), environment)));
      case 'For':
        return this.evalFor(node, environment);
      case 'Break':
        throw new LoopBreak();
      case 'Continue':
        throw new LoopContinue();
      case 'BinaryExpression': {
        const r = this.evalBinary(node, environment);
        if (r) return r;
        break;
      }
      case 'TestExpression': {
        const name = String(asNode(node.test).value);
        if (!TESTS.has(name)) break;
        const v = this.evaluate(asStatement(node.operand), environment);
        const result = getTest(name)(v);
        return mk.bool(node.negate ? !result : result);
      }
      case 'FilterExpression':
        return this.evalFilterExpression(node, environment);
      case 'CallExpression':
        return this.evalCall(node, environment);
      case 'MemberExpression': {
        const obj = this.evaluate(asStatement(node.object), environment);
        if (isUndef(obj)) throw undefinedError(asNode(node.object));
        const prop = asNode(node.property);
        if (isStr(obj) && node.computed && prop.type !== 'SliceExpression') {
          // Python indexes strings by code point (the library by UTF-16 unit).
          const index = this.evaluate(asStatement(prop), environment);
          const ch = isInt(index) ? Array.from(obj.value as string).at(index.value) : undefined;
          return ch === undefined ? mk.undef() : mk.str(ch);
        }
        return super.evaluate(asStatement({ ...node, object: valueNode(obj) }), environment);
      }
    }
    return super.evaluate(statement, environment);
  }

  /** Evaluates a call's argument nodes into positional and keyword values. */
  private evalArgs(nodes: unknown, env: Environment): [RV[], Map<string, RV>] {
    const positional: RV[] = [];
    const keywords = new Map<string, RV>();
    for (const raw of (nodes as JNode[] | undefined) ?? []) {
      const n = asNode(raw);
      if (n.type === 'KeywordArgumentExpression') {
        keywords.set(String(asNode(n.key).value), this.evaluate(asStatement(n.value), env));
      } else if (n.type === 'KeywordSpreadExpression') {
        const v = this.evaluate(asStatement(n.argument), env);
        if (!isDict(v)) throw new PyError('TypeError', 'argument after ** must be a mapping');
        for (const [k, x] of v.value) keywords.set(k, x);
      } else if (n.type === 'SpreadExpression') {
        positional.push(...pyIterate(this.evaluate(asStatement(n.argument), env), mk.str));
      } else {
        positional.push(this.evaluate(asStatement(n), env));
      }
    }
    return [positional, keywords];
  }

  private block(statements: unknown, env: Environment): string {
    let out = '';
    for (const s of (statements as JStatement[] | undefined) ?? []) {
      const v = this.evaluate(s, env);
      if (!isNone(v) && !isUndef(v)) out += isStr(v) ? v.value : pyStr(v);
      this.checkBudget(out);
    }
    return out;
  }

  private assign(target: JNode, value: RV, env: Environment): void {
    if (target.type === 'Identifier') {
      env.setVariable(String(target.value), value);
      return;
    }
    if (target.type === 'TupleLiteral') {
      const names = target.value as JNode[];
      const values = pyIterate(value, mk.str);
      if (values.length !== names.length) {
        throw new PyError(
          'ValueError',
          values.length > names.length
            ? `too many values to unpack (expected ${names.length})`
            : `not enough values to unpack (expected ${names.length}, got ${values.length})`,
        );
      }
      names.forEach((n, i) => this.assign(n, values[i] as RV, env));
      return;
    }
    throw new PyError('TemplateSyntaxError', `Cannot assign to ${target.type}`);
  }

  private evalFor(node: JNode, env: Environment): RV {
    const scope = new Environment(env);
    let iterNode = asNode(node.iterable);
    let filter: JNode | undefined;
    if (iterNode.type === 'SelectExpression') {
      filter = asNode(iterNode.test);
      iterNode = asNode(iterNode.lhs);
    }
    const target = asNode(node.loopvar);
    let items = pyIterate(this.evaluate(asStatement(iterNode), scope), mk.str);
    if (filter) {
      const f = filter;
      items = items.filter((item) => {
        const e = new Environment(scope);
        this.assign(target, item, e);
        return pyBool(this.evaluate(asStatement(f), e));
      });
    }
    let out = '';
    for (let i = 0; i < items.length; i++) {
      const e = new Environment(scope);
      e.setVariable('loop', this.loopObject(i, items));
      this.assign(target, items[i] as RV, e);
      try {
        out += this.block(node.body, e);
        this.checkBudget(out);
      } catch (err) {
        if (err instanceof LoopContinue) continue;
        if (err instanceof LoopBreak) break;
        throw err;
      }
    }
    if (items.length === 0) out += this.block(node.defaultBlock, scope);
    return mk.str(out);
  }

  private loopObject(i: number, items: RV[]): RV {
    const n = items.length;
    return mk.dict(
      new Map<string, RV>([
        ['index', mk.int(i + 1)],
        ['index0', mk.int(i)],
        ['revindex', mk.int(n - i)],
        ['revindex0', mk.int(n - i - 1)],
        ['first', mk.bool(i === 0)],
        ['last', mk.bool(i === n - 1)],
        ['length', mk.int(n)],
        ['depth', mk.int(1)],
        ['depth0', mk.int(0)],
        ['previtem', i > 0 ? (items[i - 1] as RV) : mk.undef()],
        ['nextitem', i < n - 1 ? (items[i + 1] as RV) : mk.undef()],
        [
          'cycle',
          mk.fn((args) => {
            const [pos] = splitArgs(args);
            if (pos.length === 0) throw new PyError('TypeError', 'no items for cycling given');
            return pos[i % pos.length] as RV;
          }),
        ],
      ]),
    );
  }

  private evalBinary(node: JNode, env: Environment): RV | null {
    const op = String(asNode(node.operator).value);
    if (op === 'and' || op === 'or' || op === '**') return null;
    const leftNode = asNode(node.left);
    const rightNode = asNode(node.right);
    const l = this.evaluate(asStatement(leftNode), env);
    const r = this.evaluate(asStatement(rightNode), env);
    switch (op) {
      case '~':
        return mk.str(pyStr(l) + pyStr(r));
      case '==':
        return mk.bool(pyEquals(l, r));
      case '!=':
        return mk.bool(!pyEquals(l, r));
      case 'in':
        return mk.bool(contains(r, l));
      case 'not in':
        return mk.bool(!contains(r, l));
    }
    if (isUndef(l)) throw undefinedError(leftNode);
    if (isUndef(r)) throw undefinedError(rightNode);
    const unsupported = (): PyError =>
      new PyError(
        'TypeError',
        `unsupported operand type(s) for ${op}: '${pyTypeName(l)}' and '${pyTypeName(r)}'`,
      );
    if (isNumeric(l) && isNumeric(r)) {
      const a = numericValue(l);
      const b = numericValue(r);
      const intLike = !isFloat(l) && !isFloat(r);
      const num = (x: number): RV => (intLike ? mk.int(x) : mk.float(x));
      switch (op) {
        case '+':
          return num(a + b);
        case '-':
          return num(a - b);
        case '*':
          return num(a * b);
        case '/':
          if (b === 0) throw new PyError('ZeroDivisionError', 'division by zero');
          return mk.float(a / b);
        case '//':
          if (b === 0) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
          return num(Math.floor(a / b));
        case '%':
          if (b === 0) throw new PyError('ZeroDivisionError', 'integer modulo by zero');
          return num(((a % b) + b) % b);
        case '<':
        case '>':
        case '<=':
        case '>=':
          return mk.bool(compare(l, r, op));
      }
      return null;
    }
    switch (op) {
      case '+':
        if (isStr(l) && isStr(r)) return mk.str(l.value + r.value);
        if (isSeq(l) && isSeq(r) && l.type === r.type) {
          return l.type === 'TupleValue'
            ? mk.tuple([...l.value, ...r.value])
            : mk.list([...l.value, ...r.value]);
        }
        if (isStr(l)) {
          throw new PyError(
            'TypeError',
            `can only concatenate str (not "${pyTypeName(r)}") to str`,
          );
        }
        if (isSeq(l) && l.type === 'ArrayValue') {
          throw new PyError(
            'TypeError',
            `can only concatenate list (not "${pyTypeName(r)}") to list`,
          );
        }
        throw unsupported();
      case '*': {
        const [seq, n] = isNumeric(r) ? [l, r] : [r, l];
        if (isNumeric(n) && !isFloat(n)) {
          const times = Math.max(0, numericValue(n));
          if (isStr(seq)) return mk.str(seq.value.repeat(times));
          if (isSeq(seq)) {
            const out = Array.from({ length: times }, () => seq.value).flat();
            return seq.type === 'TupleValue' ? mk.tuple(out) : mk.list(out);
          }
        }
        throw unsupported();
      }
      case '<':
      case '>':
      case '<=':
      case '>=':
        return mk.bool(compare(l, r, op));
      case '-':
      case '/':
      case '//':
        throw unsupported();
    }
    if (op === '%' && isStr(l)) return mk.str(pyPercentFormat(l.value, r));
    // Anything else: left to the library, with the values we computed.
    return super.evaluate(asStatement({ ...node, left: valueNode(l), right: valueNode(r) }), env);
  }

  private evalCall(node: JNode, env: Environment): RV {
    const callee = asNode(node.callee);
    if (
      callee.type === 'MemberExpression' &&
      !callee.computed &&
      asNode(callee.property).type === 'Identifier'
    ) {
      const obj = this.evaluate(asStatement(callee.object), env);
      if (isUndef(obj)) throw undefinedError(asNode(callee.object));
      const method = String(asNode(callee.property).value);
      if (isStr(obj)) {
        const [args, kwargs] = this.evalArgs(node.args, env);
        const result = strMethod(obj.value, method, args, kwargs);
        if (result) return result;
      } else if (isDict(obj) && !obj.value.has(method)) {
        const [args] = this.evalArgs(node.args, env);
        const result = dictMethod(obj.value, method, args);
        if (result) return result;
      }
      return super.evaluate(
        asStatement({ ...node, callee: { ...callee, object: valueNode(obj) } }),
        env,
      );
    }
    return super.evaluate(asStatement(node), env);
  }

  private evalFilterExpression(node: JNode, env: Environment): RV {
    const filter = asNode(node.filter);
    let name: string;
    let argNodes: unknown = [];
    if (filter.type === 'Identifier') name = String(filter.value);
    else if (filter.type === 'CallExpression' && asNode(filter.callee).type === 'Identifier') {
      name = String(asNode(filter.callee).value);
      argNodes = filter.args;
    } else return super.evaluate(asStatement(node), env);
    if (!PY_FILTERS.has(name)) {
      const operand = this.evaluate(asStatement(node.operand), env);
      return super.evaluate(asStatement({ ...node, operand: valueNode(operand) }), env);
    }
    const operand = this.evaluate(asStatement(node.operand), env);
    const [args, kwargs] = this.evalArgs(argNodes, env);
    return this.applyFilterByName(name, operand, args, kwargs, env);
  }

  /** Applies a filter by name: ours where Python differs, the library's otherwise. */
  private applyFilterByName(
    name: string,
    value: RV,
    args: RV[],
    kwargs: Map<string, RV>,
    env: Environment,
  ): RV {
    const arg = (i: number, key: string): RV | undefined => args[i] ?? kwargs.get(key);
    switch (name) {
      case 'safe':
        return value;
      case 'format':
        return mk.str(
          pyPercentFormat(pyStr(value), kwargs.size > 0 ? mk.dict(kwargs) : mk.tuple(args)),
        );
      case 'trim': {
        const chars = arg(0, 'chars');
        return mk.str(pyStrip(pyStr(value), chars && !isNone(chars) ? pyStr(chars) : null));
      }
      case 'string':
        return isStr(value) ? value : mk.str(pyStr(value));
      case 'upper':
        return mk.str(pyStr(value).toUpperCase());
      case 'lower':
        return mk.str(pyStr(value).toLowerCase());
      case 'title':
        return mk.str(pyTitle(pyStr(value)));
      case 'capitalize':
        return mk.str(pyCapitalize(pyStr(value)));
      case 'replace': {
        const old = arg(0, 'old') ?? mk.str('');
        const rep = arg(1, 'new') ?? mk.str('');
        const count = arg(2, 'count');
        return mk.str(
          pyReplace(
            pyStr(value),
            pyStr(old),
            pyStr(rep),
            count && isNumeric(count) ? numericValue(count) : -1,
          ),
        );
      }
      case 'join': {
        const sep = arg(0, 'd');
        const attribute = arg(1, 'attribute');
        let items = pyIterate(value, mk.str);
        if (attribute && !isNone(attribute)) items = items.map((x) => getPath(x, attribute));
        return mk.str(items.map(pyStr).join(sep ? pyStr(sep) : ''));
      }
      case 'length':
      case 'count': {
        if (isStr(value)) return mk.int(Array.from(value.value).length);
        if (isSeq(value)) return mk.int(value.value.length);
        if (isDict(value)) return mk.int(value.value.size);
        if (isUndef(value)) return mk.int(0);
        throw new PyError('TypeError', `object of type '${pyTypeName(value)}' has no len()`);
      }
      case 'list':
        return mk.list(pyIterate(value, mk.str));
      case 'first':
      case 'last': {
        const items = pyIterate(value, mk.str);
        return (name === 'first' ? items[0] : items[items.length - 1]) ?? mk.undef();
      }
      case 'default':
      case 'd': {
        const dflt = arg(0, 'default_value') ?? mk.str('');
        const boolean = arg(1, 'boolean');
        const useDefault =
          isUndef(value) || (boolean !== undefined && pyBool(boolean) && !pyBool(value));
        return useDefault ? dflt : value;
      }
      case 'items': {
        if (isUndef(value)) return mk.list([]);
        if (!isDict(value))
          throw new PyError('TypeError', `Can only get item pairs from a mapping.`);
        return mk.list([...value.value].map(([k, v]) => mk.tuple([mk.str(k), v])));
      }
      case 'selectattr':
      case 'rejectattr':
      case 'select':
      case 'reject': {
        const byAttr = name.endsWith('attr');
        const [attr, testName, ...testArgs] = byAttr ? args : [mk.none(), ...args];
        const test = testName ? getTest(pyStr(testName)) : (v: RV): boolean => pyBool(v);
        const keep = name.startsWith('select');
        return mk.list(
          pyIterate(value, mk.str).filter((item) => {
            const v = byAttr ? getPath(item, attr ?? mk.undef()) : item;
            return test(v, ...testArgs) === keep;
          }),
        );
      }
      case 'map': {
        const items = pyIterate(value, mk.str);
        const attribute = kwargs.get('attribute');
        if (attribute) {
          const dflt = kwargs.get('default');
          return mk.list(
            items.map((x) => {
              const v = getPath(x, attribute);
              return isUndef(v) && dflt ? dflt : v;
            }),
          );
        }
        const [filterName, ...rest] = args;
        if (!filterName) return mk.list(items);
        return mk.list(
          items.map((x) => this.applyFilterByName(pyStr(filterName), x, rest, kwargs, env)),
        );
      }
      case 'tojson': {
        const ensureAscii = arg(0, 'ensure_ascii');
        const indent = arg(1, 'indent');
        const separators = arg(2, 'separators');
        const sortKeys = arg(3, 'sort_keys');
        let sep: [string, string] | null = null;
        if (separators && !isNone(separators)) {
          const pair = pyIterate(separators, mk.str);
          if (pair.length !== 2) throw new PyError('ValueError', 'separators must be a pair');
          sep = [pyStr(pair[0] as RV), pyStr(pair[1] as RV)];
        }
        const opts: JsonOptions = {
          ensureAscii: ensureAscii !== undefined && pyBool(ensureAscii),
          indent:
            indent === undefined || isNone(indent)
              ? null
              : isStr(indent)
                ? indent.value
                : ' '.repeat(Math.max(0, numericValue(indent as RV & { value: number }))),
          separators: sep,
          sortKeys: sortKeys !== undefined && pyBool(sortKeys),
        };
        return mk.str(pyJsonDumps(value, opts));
      }
    }
    // Not one of ours: let the library apply it to the value we already have.
    const filterNode =
      args.length === 0 && kwargs.size === 0
        ? { type: 'Identifier', value: name }
        : {
            type: 'CallExpression',
            callee: { type: 'Identifier', value: name },
            args: [
              ...args.map(valueNode),
              ...[...kwargs].map(([k, v]) => ({
                type: 'KeywordArgumentExpression',
                key: { type: 'Identifier', value: k },
                value: valueNode(v),
              })),
            ],
          };
    return super.evaluate(
      asStatement({ type: 'FilterExpression', operand: valueNode(value), filter: filterNode }),
      env,
    );
  }
}
