/**
 * vLLM's rules on combining output constraints, with its messages: one kind of guided
 * decoding per request, and no guided decoding together with a forced tool call. Kept apart
 * from the compiler (no wasm, no heavy imports) so the request validator uses the same rules.
 */

export interface ConstraintConflict {
  param: string;
  message: string;
}

import { GUIDED_PARAMS } from '../request/params';

const present = (v: unknown): boolean => v !== undefined && v !== null;

/** The kinds of guided decoding a request asks for, in vLLM's order ("response_format (…)"). */
export function guidedKinds(req: Record<string, unknown>): string[] {
  const kinds = GUIDED_PARAMS.map((p) => p.name).filter((k) => present(req[k]));
  const type = (req.response_format as { type?: unknown } | null | undefined)?.type;
  if (type === 'json_object' || type === 'json_schema') kinds.push(`response_format (${type})`);
  return kinds;
}

export function forcesToolCall(toolChoice: unknown): boolean {
  return toolChoice === 'required' || (typeof toolChoice === 'object' && toolChoice !== null);
}

/** The first rule the request breaks, or null. */
export function constraintConflict(req: Record<string, unknown>): ConstraintConflict | null {
  const kinds = guidedKinds(req);
  // vLLM's first rule covers the three it names; guided_grammar falls under the second.
  const basic = kinds.filter((k) => k !== 'guided_grammar' && !k.startsWith('response_format'));
  if (basic.length > 1)
    return {
      param: basic[1]!,
      message:
        "You can only use one kind of guided decoding ('guided_json', 'guided_regex' or 'guided_choice').",
    };
  if (kinds.length > 1)
    return {
      param: kinds[1]!.startsWith('response_format') ? 'response_format' : kinds[1]!,
      message: `You can only use one kind of guided decoding but multiple are specified: ${kinds.join(', ')}.`,
    };
  if (forcesToolCall(req.tool_choice) && kinds.length > 0)
    return {
      param: 'tool_choice',
      message: 'You can only either use guided decoding or tools, not both.',
    };
  return null;
}
