import { describe, expect, it } from 'vitest';
import { FLAGS, TARGETS } from '../src/server/facts';
import { translateRequest } from '../src/server/translate';
import { validateRequest } from '../src/request/validate';
import { javascriptPrintResponse } from '../src/request/export';
import { parsePrinted, predicted } from './harness';
import { probesFor, uncovered } from './probes';

describe('the live suite covers the fact table (no server needed)', () => {
  it.each(TARGETS.filter((t) => t === 'vllm' || t === 'llama-server'))(
    'every parameter and every rule of %s has a probe',
    (target) => {
      const { probes, noSample } = probesFor(target);
      expect(noSample).toEqual([]);
      expect(uncovered(target, probes)).toEqual([]);
      // Without the probes that make rules fire, rules go uncovered: the check is real.
      expect(uncovered(target, probes.slice(0, 3)).length).toBeGreaterThan(0);
    },
  );

  it.each(['vllm', 'llama-server'] as const)(
    "every %s parameter's sample is a request the app itself accepts",
    (target) => {
      const samples = probesFor(target).probes.filter((p) => p.sample === true);
      expect(samples.length).toBeGreaterThan(50);
      const refused = samples.flatMap((p) => {
        const r = validateRequest(p.draft);
        return r.ok ? [] : [`${p.name}: ${r.errors.map((e) => e.message).join('; ')}`];
      });
      expect(refused).toEqual([]);
    },
  );

  it('predicts a 400 with the server message for a missing flag, 200 when it runs', () => {
    const draft = {
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'required',
    };
    const { report } = translateRequest(draft, 'vllm');
    expect(predicted(report, [])).toEqual({
      status: 400,
      says: ['requires --tool-call-parser to be set'],
    });
    expect(predicted(report, [FLAGS.autoToolChoice])).toEqual({ status: 200, says: [] });
    expect(predicted(translateRequest(draft, 'llama-server').report, [])).toEqual({
      status: 200,
      says: [],
    });
  });
});

describe('parsePrinted reads back what the exported JavaScript prints', () => {
  function printed(response: unknown): string {
    const logs: string[] = [];
    const code = javascriptPrintResponse(false).join('\n');
    // The exported program's printing part, run on a response object with console captured.
    new Function('response', 'console', code)(response, {
      log: (s: string) => logs.push(s),
    });
    return `${logs.join('\n')}\n`;
  }

  it('gives every choice its content, reasoning and tool calls', () => {
    const out = printed({
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: { content: '{\n  "answer": "no"\n}', reasoning: 'think' },
        },
        {
          index: 1,
          finish_reason: 'tool_calls',
          message: {
            content: null,
            tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
          },
        },
      ],
    });
    expect(parsePrinted(out)).toEqual([
      {
        index: 0,
        finishReason: 'stop',
        reasoning: 'think',
        content: '{\n  "answer": "no"\n}',
        calls: [],
      },
      {
        index: 1,
        finishReason: 'tool_calls',
        reasoning: null,
        content: '',
        calls: [['get_weather', '{"city":"Oslo"}']],
      },
    ]);
  });

  it('is null for output that is not the printed format', () => {
    expect(parsePrinted('{"answer": "no"}\n')).toBeNull();
  });
});
