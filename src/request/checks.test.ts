import { describe, expect, it } from 'vitest';
import { REQUEST_CHECKS, grammarProblem, schemaProblem } from './checks';
import { validateRequest } from './validate';

const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const params = (r: Record<string, unknown>) => {
  const v = validateRequest({ ...base, ...r }, REQUEST_CHECKS);
  return v.ok ? [] : v.errors.map((e) => e.param);
};

describe('request checks bound to the validator', () => {
  it('a GBNF grammar must parse as llama.cpp reads it', () => {
    expect(grammarProblem('root ::= "yes" | "no"')).toBeNull();
    expect(grammarProblem('root ::= "a')).toMatch(/unterminated|string/i);
    expect(grammarProblem('root ::= missing-rule')).toMatch(/missing-rule/);
    expect(params({ guided_grammar: 'root ::= "a' })).toEqual(['guided_grammar']);
    expect(params({ guided_grammar: 'root ::= [a-z]+' })).toEqual([]);
  });

  it('every JSON schema of the request must be a schema', () => {
    expect(schemaProblem({ type: 'object' })).toBeNull();
    expect(schemaProblem({ type: 'objekt' })).toMatch(/type/);
    expect(schemaProblem([])).toMatch(/object/);
    expect(params({ guided_json: { type: 'objekt' } })).toEqual(['guided_json']);
    expect(params({ guided_json: '{"type": "strin"}' })).toEqual(['guided_json']);
    expect(
      params({
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'n', schema: { type: 'objekt' } },
        },
      }),
    ).toEqual(['response_format.json_schema.schema']);
    const tool = {
      type: 'function',
      function: { name: 'f', parameters: { type: 'object', required: 'x' } },
    };
    expect(params({ tools: [tool] })).toEqual(['tools[0].function.parameters']);
  });

  it('a seed must fit in 64 bits; a tool message needs a non-empty tool_call_id', () => {
    expect(params({ seed: 1e20 })).toEqual(['seed']);
    expect(params({ seed: -1 })).toEqual([]);
    const tool = { role: 'tool', content: 'r', tool_call_id: '' };
    expect(params({ messages: [...base.messages, tool] })).toEqual(['messages[1].tool_call_id']);
  });

  it('an assistant message with tool_calls may have null content, even when the calls are malformed', () => {
    const m = { role: 'assistant', content: null, tool_calls: 'x' };
    expect(params({ messages: [...base.messages, m] })).toEqual(['messages[1].tool_calls']);
  });
});
