import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  mergeToolCallDeltas,
  newToolCallId,
  parseToolCalls,
  toolCallStream,
  toolFinishReason,
  type ToolCallOptions,
} from './toolCalls';
import type { ToolCallDelta } from './types';
import { cutAt } from './testing/pieces';

function ids() {
  let n = 0;
  return () => `call_${String(++n).padStart(24, '0')}`;
}

function streamAll(pieces: string[], opts: ToolCallOptions) {
  const s = toolCallStream({ newId: ids(), ...opts });
  const outs = [...pieces.map((p) => s.push(p)), s.finish()];
  const deltas = outs.flatMap((o) => o.toolCalls);
  return {
    content: outs.map((o) => o.content).join(''),
    deltas,
    calls: mergeToolCallDeltas(deltas),
    stream: s,
  };
}

function chars(text: string): string[] {
  return [...text];
}

/** OpenAI's streaming contract: a call's first delta carries id, type and the whole name with
 * arguments '', later ones only argument text; indexes count up from 0. */
function expectOpenAiDeltaShape(deltas: ToolCallDelta[]) {
  const seen = new Set<number>();
  for (const d of deltas) {
    if (!seen.has(d.index)) {
      expect(d.index).toBe(seen.size);
      expect(d).toEqual({
        index: d.index,
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: expect.any(String), arguments: '' },
      });
      seen.add(d.index);
    } else {
      expect(Object.keys(d).sort()).toEqual(['function', 'index']);
      expect(Object.keys(d.function ?? {})).toEqual(['arguments']);
      expect(d.function?.arguments).not.toBe('');
    }
  }
}

const QWEN =
  'I will look that up.\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit":"c"}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {"tz": "Europe/Paris"}}\n</tool_call>';

describe('parseToolCalls: hermes / qwen', () => {
  it('parses several calls, keeps text before them as content, re-prints arguments like vLLM', () => {
    expect(parseToolCalls(QWEN, { newId: ids() })).toEqual({
      content: 'I will look that up.\n\n',
      tool_calls: [
        {
          id: 'call_000000000000000000000001',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city": "Paris", "unit": "c"}' },
        },
        {
          id: 'call_000000000000000000000002',
          type: 'function',
          function: { name: 'get_time', arguments: '{"tz": "Europe/Paris"}' },
        },
      ],
    });
  });

  it('content is null when there is only a call; an unclosed last block still counts', () => {
    const r = parseToolCalls('<tool_call>\n{"name": "f", "arguments": {}}\n', { newId: ids() });
    expect(r.content).toBeNull();
    expect(r.tool_calls.map((c) => c.function)).toEqual([{ name: 'f', arguments: '{}' }]);
  });

  it('a malformed block makes the whole output content (vLLM)', () => {
    const text = 'x<tool_call>{"name": "f", "arguments": {"a": }</tool_call>';
    expect(parseToolCalls(text)).toEqual({ content: text, tool_calls: [] });
    const noArgs = '<tool_call>{"name": "f"}</tool_call>';
    expect(parseToolCalls(noArgs)).toEqual({ content: noArgs, tool_calls: [] });
  });

  it('text after a call stays content; whitespace between calls does not', () => {
    const r = parseToolCalls('<tool_call>{"name":"f","arguments":{}}</tool_call>\n\nDone.\n', {
      newId: ids(),
    });
    expect(r.content).toBe('\n\nDone.\n');
  });

  it('parallelToolCalls false keeps only the first call', () => {
    const r = parseToolCalls(QWEN, { parallelToolCalls: false, newId: ids() });
    expect(r.tool_calls.map((c) => c.function.name)).toEqual(['get_weather']);
    expect(r.content).toBe('I will look that up.\n\n');
  });

  it('toolChoice none parses nothing', () => {
    expect(parseToolCalls(QWEN, { toolChoice: 'none' })).toEqual({ content: QWEN, tool_calls: [] });
  });

  it('plain text is content, verbatim', () => {
    expect(parseToolCalls('  just text <tool')).toEqual({
      content: '  just text <tool',
      tool_calls: [],
    });
    expect(parseToolCalls('')).toEqual({ content: null, tool_calls: [] });
  });
});

describe('parseToolCalls: llama 3 JSON', () => {
  const opts: ToolCallOptions = { format: 'llama3_json', newId: ids() };

  it('parses calls after <|python_tag|>, separated by ;', () => {
    const r = parseToolCalls(
      '<|python_tag|>{"name": "f", "parameters": {"x": 1.50}}; {"name": "g", "parameters": {}}',
      { ...opts, newId: ids() },
    );
    expect(r.content).toBeNull();
    expect(r.tool_calls.map((c) => c.function)).toEqual([
      { name: 'f', arguments: '{"x": 1.5}' },
      { name: 'g', arguments: '{}' },
    ]);
  });

  it('parses a bare object and keeps trailing text as content', () => {
    const r = parseToolCalls('{"name": "f", "arguments": {"q": "é"}}\nThat is all.', opts);
    expect(r.tool_calls.map((c) => c.function)).toEqual([{ name: 'f', arguments: '{"q": "é"}' }]);
    expect(r.content).toBe('That is all.');
  });

  it('JSON that is not a call, and plain text, are content', () => {
    expect(parseToolCalls('{"answer": 4}', opts)).toEqual({
      content: '{"answer": 4}',
      tool_calls: [],
    });
    expect(parseToolCalls('Hello {"name": "f"}', opts)).toEqual({
      content: 'Hello {"name": "f"}',
      tool_calls: [],
    });
  });
});

describe('parseToolCalls: forced tool_choice', () => {
  it('required: a JSON array of {name, parameters}', () => {
    const r = parseToolCalls(
      '[{"name": "f", "parameters": {"a": [1,2]}}, {"name": "g", "parameters": {}}]',
      {
        toolChoice: 'required',
        newId: ids(),
      },
    );
    expect(r.tool_calls.map((c) => c.function)).toEqual([
      { name: 'f', arguments: '{"a": [1, 2]}' },
      { name: 'g', arguments: '{}' },
    ]);
    expect(r.content).toBeNull();
  });

  it('named: the whole output is the arguments, verbatim', () => {
    const r = parseToolCalls('{"city":"Paris"}', {
      toolChoice: { type: 'function', function: { name: 'get_weather' } },
      newId: ids(),
    });
    expect(r).toEqual({
      content: null,
      tool_calls: [
        {
          id: 'call_000000000000000000000001',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
      ],
    });
  });
});

describe('toolCallStream', () => {
  it('streams hermes calls in OpenAI delta shape, one character at a time', () => {
    const r = streamAll(chars(QWEN), {});
    expectOpenAiDeltaShape(r.deltas);
    expect(r.content).toBe('I will look that up.\n\n');
    expect(r.calls).toEqual(parseToolCalls(QWEN, { newId: ids() }).tool_calls);
    // Arguments arrive in several fragments while the model writes them.
    expect(r.deltas.filter((d) => d.index === 0).length).toBeGreaterThan(3);
  });

  it('never leaks a partial tag into content', () => {
    const pieces = ['Hi <', 'tool', '_call>{"name": "f", "arguments": {}}</tool', '_call>'];
    const s = toolCallStream({ newId: ids() });
    const contents = [...pieces.map((p) => s.push(p).content), s.finish().content];
    expect(contents).toEqual(['Hi ', '', '', '', '']);
  });

  it('sends the header as soon as the name is complete, before the arguments', () => {
    const s = toolCallStream({ newId: ids() });
    expect(s.push('<tool_call>{"name": "get_wea').toolCalls).toEqual([]);
    expect(s.push('ther", "arguments": {"ci').toolCalls).toEqual([
      {
        index: 0,
        id: 'call_000000000000000000000001',
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      },
      { index: 0, function: { arguments: '{"ci' } },
    ]);
    expect(s.push('ty": 12').toolCalls).toEqual([{ index: 0, function: { arguments: 'ty": ' } }]);
    expect(s.push('}}</tool_call>').toolCalls).toEqual([
      { index: 0, function: { arguments: '12}' } },
    ]);
    expect(s.callCount).toBe(1);
  });

  it('streams a named function call and a required array', () => {
    const named = streamAll(['{"a"', ': 1}'], {
      toolChoice: { type: 'function', function: { name: 'f' } },
    });
    expectOpenAiDeltaShape(named.deltas);
    expect(named.calls.map((c) => c.function)).toEqual([{ name: 'f', arguments: '{"a": 1}' }]);
    const text = '[{"name": "f", "parameters": {"a": 1}}, {"name": "g", "parameters": {"b": 2}}]';
    const req = streamAll(chars(text), { toolChoice: 'required' });
    expectOpenAiDeltaShape(req.deltas);
    expect(req.calls.map((c) => c.function.arguments)).toEqual(['{"a": 1}', '{"b": 2}']);
  });

  it('a malformed block whose name was never sent streams as content', () => {
    const r = streamAll(chars('<tool_call>{"nam": 1}</tool_call>'), {});
    expect(r.deltas).toEqual([]);
    expect(r.content).toBe('<tool_call>{"nam": 1}</tool_call>');
    expect(r.stream.hadInvalid).toBe(true);
  });

  it('with parallelToolCalls false later calls send nothing', () => {
    const r = streamAll(chars(QWEN), { parallelToolCalls: false });
    expect(new Set(r.deltas.map((d) => d.index))).toEqual(new Set([0]));
    expect(r.stream.callCount).toBe(1);
  });
});

describe('long arguments', () => {
  it('streams a 50 kB argument one character at a time in linear time', () => {
    const args = { code: 'print("hi")\n'.repeat(4000), n: [1.5, 2] };
    const text = `<tool_call>\n${JSON.stringify({ name: 'run', arguments: args })}\n</tool_call>`;
    const t0 = performance.now();
    const r = streamAll(chars(text), {});
    // The quadratic version took about a minute here; linear takes well under a second.
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(JSON.parse(r.calls[0]?.function.arguments ?? '')).toEqual(args);
  });
});

describe('properties', () => {
  const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '<', 't', '/'), maxLength: 12 });
  const name = fc.string({ unit: fc.constantFrom('a', 'b', '_', '1'), minLength: 1, maxLength: 8 });
  // Through JSON once, so that -0 (which JSON writes as 0) cannot be generated.
  const args = fc
    .dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
    .map((v) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>);
  const call = fc.record({ name, args, indent: fc.constantFrom(undefined, 2) });

  function expectedContent(segments: string[], hasCalls: boolean): string {
    return hasCalls ? segments.filter((s) => /\S/.test(s)).join('') : segments.join('');
  }

  it('hermes: any split streams to what the whole-output parse gives, and args round-trip', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(call, text), { maxLength: 3 }),
        text,
        fc.array(fc.nat(), { maxLength: 12 }),
        (pairs, lead, cuts) => {
          const out =
            lead +
            pairs
              .map(
                ([c, t]) =>
                  `<tool_call>\n${JSON.stringify({ name: c.name, arguments: c.args }, null, c.indent)}\n</tool_call>${t}`,
              )
              .join('');
          const whole = parseToolCalls(out, { newId: ids() });
          const content = expectedContent([lead, ...pairs.map(([, t]) => t)], pairs.length > 0);
          expect(whole.content).toBe(content === '' ? null : content);
          expect(whole.tool_calls.map((c) => c.function.name)).toEqual(pairs.map(([c]) => c.name));
          whole.tool_calls.forEach((c, i) =>
            expect(JSON.parse(c.function.arguments)).toEqual(pairs[i]?.[0].args),
          );
          const streamed = streamAll(cutAt(out, cuts), {});
          expectOpenAiDeltaShape(streamed.deltas);
          expect(streamed.content).toBe(whole.content ?? '');
          expect(streamed.calls).toEqual(whole.tool_calls);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('llama3_json: any split streams to what the whole-output parse gives', () => {
    fc.assert(
      fc.property(
        fc.array(call, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.constantFrom('', '\n', ' Done.'),
        fc.array(fc.nat(), { maxLength: 12 }),
        (calls, tag, tail, cuts) => {
          const out =
            (tag ? '<|python_tag|>' : '') +
            calls
              .map((c) => JSON.stringify({ name: c.name, parameters: c.args }, null, c.indent))
              .join('; ') +
            tail;
          const opts: ToolCallOptions = { format: 'llama3_json' };
          const whole = parseToolCalls(out, { ...opts, newId: ids() });
          expect(whole.content).toBe(tail.trim() || null);
          expect(whole.tool_calls.map((c) => JSON.parse(c.function.arguments))).toEqual(
            calls.map((c) => c.args),
          );
          const streamed = streamAll(cutAt(out, cuts), opts);
          expectOpenAiDeltaShape(streamed.deltas);
          expect(streamed.content).toBe(whole.content ?? '');
          expect(streamed.calls).toEqual(whole.tool_calls);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('helpers', () => {
  it('ids look like OpenAI call ids', () => {
    expect(newToolCallId()).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(newToolCallId()).not.toBe(newToolCallId());
  });

  it('finish reason: tool_calls, except stop for a named function and length when cut', () => {
    expect(toolFinishReason('stop', 2, 'auto')).toBe('tool_calls');
    expect(toolFinishReason('stop', 1, 'required')).toBe('tool_calls');
    expect(toolFinishReason('stop', 1, { type: 'function', function: { name: 'f' } })).toBe('stop');
    expect(toolFinishReason('length', 1, 'auto')).toBe('length');
    expect(toolFinishReason('stop', 0, 'auto')).toBe('stop');
  });
});
