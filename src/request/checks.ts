/**
 * The checks the validator needs from other libraries, bound once, so that the form and the
 * engine worker validate a request the same way: the chat template parses as Jinja, the
 * grammar as llama.cpp's GBNF, and each JSON schema is a schema.
 */
import Ajv from 'ajv';
import { templateSyntaxProblem } from '../template/renderPrompt';
import { checkGrammar, parseGbnf } from '../constraints/grammar';
import type { ValidatorHooks } from './validate';

let ajv: Ajv | null = null;

export function grammarProblem(grammar: string): string | null {
  try {
    checkGrammar(parseGbnf(grammar));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export function schemaProblem(schema: unknown): string | null {
  if (typeof schema === 'boolean') return null;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return 'a schema must be an object';
  ajv ??= new Ajv({ strict: false, validateSchema: true });
  try {
    if (ajv.validateSchema(schema as object) === true) return null;
    return ajv.errorsText(ajv.errors, { dataVar: 'schema' });
  } catch {
    // A meta-schema Ajv does not know ($schema of another draft): leave it to the compiler.
    return null;
  }
}

export const REQUEST_CHECKS: ValidatorHooks = {
  checkTemplate: templateSyntaxProblem,
  checkGrammar: grammarProblem,
  checkSchema: schemaProblem,
};
