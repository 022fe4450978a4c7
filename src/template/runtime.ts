/**
 * Typed access to @huggingface/jinja's runtime values and AST nodes.
 *
 * The package exports only Template, Environment, Interpreter, tokenize and parse; the value
 * classes (StringValue, ArrayValue, ...) are not exported. We take their constructors from
 * instances the public API hands back, so that the Python-faithful interpreter can build
 * values of the library's own classes (which its evaluator recognises with instanceof).
 */
import { Environment, Interpreter, parse } from '@huggingface/jinja';

/** Any runtime value of @huggingface/jinja (a discriminated union on `type`). */
export type RV = ReturnType<Interpreter['evaluate']>;
/** An AST node as the interpreter accepts it. */
export type JStatement = NonNullable<Parameters<Interpreter['evaluate']>[0]>;
/** The parsed program. */
export type JProgram = ReturnType<typeof parse>;

/** Structural view of an AST node: we read nodes generically by their `type`. */
export interface JNode {
  type: string;
  [key: string]: unknown;
}

type Ctor<T> = new (value: T) => RV;

interface Ctors {
  Integer: Ctor<number>;
  Float: Ctor<number>;
  String: Ctor<string>;
  Boolean: Ctor<boolean>;
  Null: Ctor<null>;
  Undefined: Ctor<undefined>;
  Array: Ctor<RV[]>;
  Tuple: Ctor<RV[]>;
  Object: Ctor<Map<string, RV>>;
  Function: Ctor<(args: RV[], scope: Environment) => RV>;
}

function ctorOf<T>(value: RV): Ctor<T> {
  return value.constructor as unknown as Ctor<T>;
}

const probe = new Environment();
const probeInterpreter = new Interpreter(probe);

const C: Ctors = {
  Integer: ctorOf(probe.set('i', 1)),
  Float: ctorOf(probe.set('f', 1.5)),
  String: ctorOf(probe.set('s', '')),
  Boolean: ctorOf(probe.set('b', true)),
  Null: ctorOf(probe.set('n', null)),
  Undefined: ctorOf(probe.set('u', undefined)),
  Array: ctorOf(probe.set('a', [])),
  Tuple: ctorOf(probeInterpreter.evaluate({ type: 'TupleLiteral', value: [] } as never, probe)),
  Object: ctorOf(probe.set('o', {})),
  Function: ctorOf(probe.set('fn', () => null)),
};

/** The root class of every runtime value, for telling values from plain JS data. */
const RuntimeValueBase = Object.getPrototypeOf(C.String.prototype as object).constructor as new (
  ...args: never[]
) => unknown;

export function isRuntimeValue(x: unknown): x is RV {
  return x instanceof RuntimeValueBase;
}

export const mk = {
  int: (v: number): RV => new C.Integer(v),
  float: (v: number): RV => new C.Float(v),
  str: (v: string): RV => new C.String(v),
  bool: (v: boolean): RV => new C.Boolean(v),
  none: (): RV => new C.Null(null),
  undef: (): RV => new C.Undefined(undefined),
  list: (v: RV[]): RV => new C.Array(v),
  tuple: (v: RV[]): RV => new C.Tuple(v),
  dict: (v: Map<string, RV>): RV => new C.Object(v),
  fn: (f: (args: RV[], scope: Environment) => RV): RV => new C.Function(f),
};

// Narrowing helpers. `type` strings are the library's own (checked in its runtime).
export type Kind =
  | 'IntegerValue'
  | 'FloatValue'
  | 'StringValue'
  | 'BooleanValue'
  | 'ObjectValue'
  | 'KeywordArgumentsValue'
  | 'NamespaceValue'
  | 'ArrayValue'
  | 'TupleValue'
  | 'FunctionValue'
  | 'NullValue'
  | 'UndefinedValue';

export const isStr = (v: RV): v is RV & { value: string } => v.type === 'StringValue';
export const isInt = (v: RV): v is RV & { value: number } => v.type === 'IntegerValue';
export const isFloat = (v: RV): v is RV & { value: number } => v.type === 'FloatValue';
export const isBool = (v: RV): v is RV & { value: boolean } => v.type === 'BooleanValue';
export const isNone = (v: RV): boolean => v.type === 'NullValue';
export const isUndef = (v: RV): boolean => v.type === 'UndefinedValue';
/** list or tuple */
export const isSeq = (v: RV): v is RV & { value: RV[] } =>
  v.type === 'ArrayValue' || v.type === 'TupleValue';
/** dict (including keyword-argument bundles) */
export const isDict = (v: RV): v is RV & { value: Map<string, RV> } =>
  v.type === 'ObjectValue' || v.type === 'KeywordArgumentsValue';
export const isNamespace = (v: RV): v is RV & { value: Map<string, RV> } =>
  v.type === 'NamespaceValue';
export const isFunc = (v: RV): v is RV & { value: (args: RV[], scope: Environment) => RV } =>
  v.type === 'FunctionValue';
/** int, float or bool: Python's numbers (bool is an int there). */
export const isNumeric = (v: RV): v is RV & { value: number | boolean } =>
  isInt(v) || isFloat(v) || isBool(v);

export function numericValue(v: RV & { value: number | boolean }): number {
  return typeof v.value === 'boolean' ? Number(v.value) : v.value;
}

/**
 * Plain JS data (what JSON.parse gives) to runtime values. Object keys keep their JS order;
 * keys whose value is `undefined` are left out (JSON has no such values). Runtime values
 * pass through unchanged.
 */
export function toRuntime(x: unknown): RV {
  if (isRuntimeValue(x)) return x;
  switch (typeof x) {
    case 'string':
      return mk.str(x);
    case 'number':
      return Number.isInteger(x) ? mk.int(x) : mk.float(x);
    case 'boolean':
      return mk.bool(x);
    case 'undefined':
      return mk.undef();
    case 'object': {
      if (x === null) return mk.none();
      if (Array.isArray(x)) return mk.list(x.map(toRuntime));
      const m = new Map<string, RV>();
      for (const [k, v] of Object.entries(x)) if (v !== undefined) m.set(k, toRuntime(v));
      return mk.dict(m);
    }
    default:
      throw new TypeError(`Cannot pass a ${typeof x} to a chat template`);
  }
}
