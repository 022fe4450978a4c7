/**
 * A chat template that does not parse or fails while rendering, or a request the renderer
 * refuses (the messages are those a vLLM server would answer with). `line` and `column`
 * (1-based) point into the template where the failing tag is known.
 */
export class TemplateError extends Error {
  line?: number;
  column?: number;
  /** Python's exception type for the same failure, where known (TypeError, UndefinedError, ...). */
  kind?: string;

  constructor(message: string, where?: { line?: number; column?: number; kind?: string }) {
    super(message);
    this.name = 'TemplateError';
    if (where?.line !== undefined) this.line = where.line;
    if (where?.column !== undefined) this.column = where.column;
    if (where?.kind !== undefined) this.kind = where.kind;
  }
}
