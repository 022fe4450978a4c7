import { describe, expect, it } from 'vitest';
import { FLAGS, TARGETS } from '../src/server/facts';
import { translateRequest } from '../src/server/translate';
import { predicted } from './harness';
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
