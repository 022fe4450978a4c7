/**
 * What xgrammar (0.1.27) does not enforce in a JSON schema, and the rewriting the compiler does
 * before handing a schema to it.
 *
 * Checked against the real wasm (see schema.test.ts): `oneOf` acts as `anyOf`; keywords beside
 * `anyOf` / `oneOf` / `$ref` are dropped; a multi-entry `allOf` accepts any JSON; `not`,
 * `if`/`then`/`else`, `dependencies`, `dependentRequired`, `dependentSchemas`, `contains`,
 * `uniqueItems` and `multipleOf` are not enforced; `minLength` / `maxLength` / `format` are
 * dropped beside `pattern`; formats outside its list are not enforced. Its numeric ranges are
 * wrong in both directions (e.g. `{"type":"integer","minimum":-5}` refuses -5, a number with
 * `"minimum": 1.5` accepts 1), so:
 * - an `integer` schema with bounds is swapped for a placeholder constant and later for an exact
 *   range grammar written here (intRange.ts);
 * - bounds on `number` (or on a multi-type schema) are removed and reported as not enforced.
 */
import { ConstraintError } from './errors';
import { lit } from './grammar';
import type { Expr } from './grammar';
import { integerRangeExpr } from './intRange';

export interface SchemaLoosening {
  /** JSON pointer of the schema object holding the keyword ("" = the root). */
  path: string;
  keyword: string;
  reason: string;
}

export interface PreparedSchema {
  /** The schema to give xgrammar. */
  schema: unknown;
  /**
   * Placeholders to replace in xgrammar's grammar: a bounded integer (a constant string whose
   * place gets an exact range rule) or a property name that xgrammar would spell wrong (names
   * with `"`, `\\` or control characters; the replacement is the JSON-escaped name).
   */
  markers: Array<{ marker: string; expr: Expr; path: string; inline: boolean }>;
  loosening: SchemaLoosening[];
}

/** Formats xgrammar 0.1.27 turns into a grammar; others are accepted as any string. */
export const XGRAMMAR_FORMATS = new Set([
  'email',
  'date',
  'time',
  'date-time',
  'duration',
  'ipv4',
  'ipv6',
  'hostname',
  'uuid',
  'uri',
  'uri-reference',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
]);

/**
 * Formats xgrammar checks by shape only (checked against the wasm): the day of the month is not
 * checked against the month, so "2024-02-30" and "2023-02-29" are accepted.
 */
export const SHAPE_ONLY_FORMATS: Readonly<Record<string, string>> = {
  date: 'checked by shape only: impossible dates such as 2024-02-30 are accepted',
  'date-time': 'checked by shape only: impossible dates such as 2024-02-30T10:00:00Z are accepted',
};

/**
 * The maxLength the opt-in string cap gives this schema node: only a `"type": "string"` schema
 * without maxLength, pattern, format, enum or const is capped; a larger minLength wins.
 */
export function stringCapFor(node: Record<string, unknown>, cap: number): number | undefined {
  if (node.type !== 'string') return undefined;
  if (['maxLength', 'pattern', 'format', 'enum', 'const'].some((k) => k in node)) return undefined;
  return Math.max(cap, typeof node.minLength === 'number' ? node.minLength : 0);
}

const ANNOTATIONS = new Set([
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$comment',
  '$schema',
  '$id',
  '$anchor',
  '$defs',
  'definitions',
]);

const NOT_ENFORCED: Record<string, string> = {
  not: '"not" is not enforced',
  if: '"if"/"then"/"else" are not enforced',
  then: '"if"/"then"/"else" are not enforced',
  else: '"if"/"then"/"else" are not enforced',
  dependencies: '"dependencies" is not enforced',
  dependentRequired: '"dependentRequired" is not enforced',
  dependentSchemas: '"dependentSchemas" is not enforced',
  contains: '"contains" is not enforced',
  minContains: '"minContains" is not enforced',
  maxContains: '"maxContains" is not enforced',
  uniqueItems: '"uniqueItems" is not enforced',
  multipleOf: '"multipleOf" is not enforced',
};

const BOUNDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const;
type Bound = (typeof BOUNDS)[number];

const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_SINGLE = [
  'additionalProperties',
  'additionalItems',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'unevaluatedProperties',
  'unevaluatedItems',
];
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];

const MARKER_PREFIX = 'xgr-int-range-7c1f';
const KEY_MARKER_PREFIX = 'xgr-key-7c1f';

const pointerPart = (key: string | number): string =>
  String(key).replace(/~/g, '~0').replace(/\//g, '~1');

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function integerBounds(node: Record<string, unknown>): { lo: bigint | null; hi: bigint | null } {
  let lo: bigint | null = null;
  let hi: bigint | null = null;
  const tighten = (value: bigint, isLow: boolean): void => {
    if (isLow) lo = lo === null || value > lo ? value : lo;
    else hi = hi === null || value < hi ? value : hi;
  };
  const num = (k: Bound): number | undefined => {
    const v = node[k];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const min = num('minimum');
  const xmin = num('exclusiveMinimum');
  const max = num('maximum');
  const xmax = num('exclusiveMaximum');
  if (min !== undefined) tighten(BigInt(Math.ceil(min)), true);
  if (xmin !== undefined) tighten(BigInt(Math.floor(xmin)) + 1n, true);
  if (max !== undefined) tighten(BigInt(Math.floor(max)), false);
  if (xmax !== undefined) tighten(BigInt(Math.ceil(xmax)) - 1n, false);
  return { lo, hi };
}

class SchemaWalker {
  readonly loosening: SchemaLoosening[] = [];
  readonly markers: PreparedSchema['markers'] = [];

  constructor(
    private readonly param: string,
    private readonly stringCap: number | null = null,
  ) {}

  /** > 0 while inside a part of the schema that is not enforced at all (multi-entry allOf). */
  private quiet = 0;

  private report(path: string, keyword: string, reason: string): void {
    if (this.quiet === 0) this.loosening.push({ path, keyword, reason });
  }

  walk(node: unknown, path: string): unknown {
    if (!isObject(node)) return node;
    // below a multi-entry allOf nothing is enforced: it is reported once, at the allOf
    return this.walkNode(node, path, Array.isArray(node.allOf) && node.allOf.length > 1);
  }

  private walkNode(node: Record<string, unknown>, path: string, allOfQuiet = false): unknown {
    const out: Record<string, unknown> = { ...node };
    const combinator = ['$ref', 'anyOf', 'oneOf'].find((k) => k in node);

    if (typeof node.$ref === 'string' && !node.$ref.startsWith('#')) {
      this.report(
        path,
        '$ref',
        'a reference outside the schema is not followed: any JSON value is accepted',
      );
    }
    if ('oneOf' in node) {
      this.report(
        path,
        'oneOf',
        '"oneOf" acts as "anyOf": an output matching several branches is accepted',
      );
    }
    if (combinator) {
      for (const key of Object.keys(node)) {
        if (key === combinator || ANNOTATIONS.has(key)) continue;
        if (combinator !== '$ref' && (key === 'anyOf' || key === 'oneOf')) continue;
        this.report(path, key, `ignored beside "${combinator}"`);
      }
    }
    if (Array.isArray(node.allOf) && node.allOf.length > 1) {
      this.report(
        path,
        'allOf',
        '"allOf" with several entries is not enforced: any JSON value is accepted',
      );
    }
    for (const [key, reason] of Object.entries(NOT_ENFORCED)) {
      if (!(key in node) || (combinator && key !== combinator)) continue;
      if (key === 'uniqueItems' && node[key] !== true) continue;
      this.report(path, key, reason);
    }
    if (!combinator && 'pattern' in node) {
      for (const key of ['minLength', 'maxLength', 'format']) {
        if (key in node) this.report(path, key, `ignored beside "pattern"`);
      }
    } else if (
      !combinator &&
      typeof node.format === 'string' &&
      !XGRAMMAR_FORMATS.has(node.format)
    ) {
      this.report(path, 'format', `format "${node.format}" is not enforced`);
    } else if (
      !combinator &&
      typeof node.format === 'string' &&
      node.format in SHAPE_ONLY_FORMATS
    ) {
      this.report(path, 'format', `format "${node.format}" is ${SHAPE_ONLY_FORMATS[node.format]}`);
    }
    const capped =
      this.stringCap === null || combinator ? undefined : stringCapFor(node, this.stringCap);
    if (capped !== undefined) out.maxLength = capped;

    const bounds = BOUNDS.filter((k) => typeof node[k] === 'number');
    if (bounds.length > 0 && !combinator) {
      const simpleInteger =
        node.type === 'integer' && !('enum' in node) && !('const' in node) && !('allOf' in node);
      if (simpleInteger) {
        const { lo, hi } = integerBounds(node);
        const expr = integerRangeExpr(lo, hi);
        if (!expr) {
          throw new ConstraintError(
            this.param,
            `schema at "${path || '/'}": no integer satisfies ${bounds.map((b) => `${b} ${String(node[b])}`).join(' and ')}`,
          );
        }
        const marker = `${MARKER_PREFIX}-${this.markers.length}`;
        this.markers.push({ marker, expr, path, inline: false });
        const replaced: Record<string, unknown> = { const: marker };
        return replaced;
      }
      for (const b of bounds) {
        delete out[b];
        this.report(
          path,
          b,
          node.type === 'integer'
            ? `"${b}" is not enforced here`
            : `"${b}" is not enforced on numbers that may have a fraction`,
        );
      }
    }

    for (const key of SCHEMA_MAPS) {
      const map = node[key];
      if (!isObject(map)) continue;
      const copy: Record<string, unknown> = {};
      const renames = new Map<string, string>();
      for (const [name, sub] of Object.entries(map)) {
        let target = name;
        if (key === 'properties' && JSON.stringify(name) !== `"${name}"`) {
          // xgrammar 0.1.27 copies property names into its grammar unescaped
          target = `${KEY_MARKER_PREFIX}-${this.markers.length}`;
          this.markers.push({
            marker: target,
            expr: lit(JSON.stringify(name)),
            path,
            inline: true,
          });
          renames.set(name, target);
        }
        copy[target] = this.walk(sub, `${path}/${key}/${pointerPart(name)}`);
      }
      out[key] = copy;
      if (renames.size > 0 && Array.isArray(node.required)) {
        out.required = node.required.map((r) =>
          typeof r === 'string' ? (renames.get(r) ?? r) : r,
        );
      }
    }
    for (const key of SCHEMA_SINGLE) {
      if (key in node) out[key] = this.walk(node[key], `${path}/${key}`);
    }
    for (const key of SCHEMA_LISTS) {
      const list = node[key];
      if (!Array.isArray(list)) continue;
      const quiet = allOfQuiet && key === 'allOf';
      if (quiet) this.quiet++;
      out[key] = list.map((s, i) => this.walk(s, `${path}/${key}/${i}`));
      if (quiet) this.quiet--;
    }
    if (Array.isArray(node.items)) {
      // draft-07 tuples: xgrammar 0.1.27 refuses an `items` list and reads `prefixItems`
      // (requiring every listed item); `additionalItems` becomes `items`, and without it strict
      // mode allows no further items (as it does for a missing `items`).
      out.prefixItems = node.items.map((s, i) => this.walk(s, `${path}/items/${i}`));
      const additional = out.additionalItems; // walked with the other single sub-schemas
      delete out.items;
      delete out.additionalItems;
      if ('additionalItems' in node) out.items = additional;
    } else if ('items' in node) {
      out.items = this.walk(node.items, `${path}/items`);
    }
    if (isObject(node.dependencies)) {
      const copy: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(node.dependencies)) {
        copy[name] = Array.isArray(sub)
          ? sub
          : this.walk(sub, `${path}/dependencies/${pointerPart(name)}`);
      }
      out.dependencies = copy;
    }
    return out;
  }
}

export interface PrepareOptions {
  /** Opt-in maxLength for strings whose schema gives no length, pattern, format, enum or const. */
  stringCap?: number | null;
}

/** Rewrites a schema for xgrammar and lists what the grammar will not enforce. */
export function prepareSchema(
  schema: unknown,
  param: string,
  options: PrepareOptions = {},
): PreparedSchema {
  const walker = new SchemaWalker(param, options.stringCap ?? null);
  const out = walker.walk(schema, '');
  return { schema: out, markers: walker.markers, loosening: walker.loosening };
}

/**
 * The keywords of `schema` that the compiled grammar will not enforce, with their JSON pointer
 * paths, for the UI to show before a run.
 */
export function explainSchemaLoosening(schema: unknown): SchemaLoosening[] {
  try {
    return prepareSchema(schema, 'schema').loosening;
  } catch {
    return new SchemaWalkerReportOnly().run(schema);
  }
}

/** Used when the schema has an error (e.g. an empty integer range): report without rewriting. */
class SchemaWalkerReportOnly {
  run(schema: unknown): SchemaLoosening[] {
    const walker = new SchemaWalker('schema');
    const strip = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(strip);
      if (!isObject(node)) return node;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        if (node.type === 'integer' && (BOUNDS as readonly string[]).includes(k)) continue;
        out[k] = strip(v);
      }
      return out;
    };
    walker.walk(strip(schema), '');
    return walker.loosening;
  }
}
