import { Template } from '@huggingface/jinja';

/** Parses a chat template; returns the parser's message, or null when it parses. */
export function templateProblem(template: string): string | null {
  try {
    new Template(template);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
