/**
 * The one error type of the constraint compiler. `param` names the request field at fault
 * (dotted path, e.g. "response_format.json_schema.schema"), `message` says what is wrong and,
 * where known, where (a JSON pointer into the schema, or line:column in a grammar).
 */
export class ConstraintError extends Error {
  readonly param: string;

  constructor(param: string, message: string) {
    super(message);
    this.name = 'ConstraintError';
    this.param = param;
  }
}

/** Error raised by the grammar parser / checker, before it is tied to a request field. */
export class GrammarSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrammarSyntaxError';
  }
}
