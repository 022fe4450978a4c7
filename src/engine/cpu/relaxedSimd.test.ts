import { describe, expect, it } from 'vitest';
import { hasRelaxedSimd, probeModule, RELAXED_DOT_ADD } from './relaxedSimd';

describe('hasRelaxedSimd', () => {
  it('probes a module that is valid but for the relaxed instruction', () => {
    // the same module with v128.bitselect (baseline SIMD, also three v128 in, one out) is valid
    expect(WebAssembly.validate(probeModule([0xfd, 0x52]))).toBe(true);
    // and with an opcode no proposal defines it is not
    expect(WebAssembly.validate(probeModule([0xfd, 0xff, 0x0f]))).toBe(false);
    expect(hasRelaxedSimd()).toBe(WebAssembly.validate(probeModule(RELAXED_DOT_ADD)));
  });
});
