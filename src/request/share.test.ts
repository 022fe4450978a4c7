import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARE_LIMIT, ShareError, decodeShare, encodeShare } from './share';
import { validRequest } from './testing/arbitraries';

const REQUEST = {
  model: 'Qwen3-0.6B',
  messages: [
    { role: 'system', content: 'Réponds en français, s’il te plaît.' },
    { role: 'user', content: '日本語で答えて 🎉 — "quotes" & ampersands = signs #hash' },
  ],
  temperature: 0.7,
  stop: null,
};

const toBase64Url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('share links', () => {
  it('round-trips a request with non-ASCII text, with or without the leading #', () => {
    const hash = encodeShare(REQUEST);
    expect(hash).toMatch(/^request=[A-Za-z0-9_-]+$/);
    expect(decodeShare(hash)).toEqual(REQUEST);
    expect(decodeShare(`#${hash}`)).toEqual(REQUEST);
  });

  it('finds the request among other hash parameters', () => {
    const hash = encodeShare(REQUEST);
    expect(decodeShare(`#tab=export&${hash}&theme=dark`)).toEqual(REQUEST);
  });

  it('round-trips every valid request (property)', () => {
    fc.assert(
      fc.property(validRequest, (r) => {
        const hash = encodeShare(r);
        // URL-safe: nothing a browser or chat app would escape or cut.
        expect(hash).toMatch(/^request=[A-Za-z0-9_-]*$/);
        expect(JSON.stringify(decodeShare(`#${hash}`))).toBe(JSON.stringify(r));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips any JSON object, including lone surrogates and every plane (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
        (obj) => {
          expect(JSON.stringify(decodeShare(encodeShare(obj)))).toBe(JSON.stringify(obj));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a request too large for a link, saying so', () => {
    const big = { ...REQUEST, messages: [{ role: 'user', content: 'x'.repeat(SHARE_LIMIT) }] };
    expect(() => encodeShare(big)).toThrow(ShareError);
    expect(() => encodeShare(big)).toThrow(/too large for a link.*limit 32000.*Export it as JSON/);
  });

  it('accepts a request right up to the limit', () => {
    // base64 turns 3 bytes into 4 characters; "request=" takes 8.
    const overhead = JSON.stringify({ m: '' }).length;
    const fits = Math.floor(((SHARE_LIMIT - 'request='.length) * 3) / 4) - overhead;
    const atLimit = encodeShare({ m: 'x'.repeat(fits) });
    expect(atLimit.length).toBeLessThanOrEqual(SHARE_LIMIT);
    expect(atLimit.length).toBeGreaterThan(SHARE_LIMIT - 4);
    expect(() => encodeShare({ m: 'x'.repeat(fits + 3) })).toThrow(ShareError);
  });

  it('returns null when the hash carries no request', () => {
    for (const hash of ['', '#', '#tab=export', '#requests=abc', '#myrequest=abc'])
      expect(decodeShare(hash)).toBeNull();
  });

  it('rejects a broken link with a clear ShareError', () => {
    const broken = [
      '#request=', // empty
      '#request=%%%', // not base64
      '#request=abcde', // impossible length
      `#request=${toBase64Url('{"model": "m"')}`, // cut-off JSON
      // Not UTF-8, though with U+FFFD for the bad byte it would be a valid request.
      `#request=${Buffer.concat([Buffer.from('{"model": "'), Buffer.from([0xff]), Buffer.from('"}')]).toString('base64url')}`,
      `#request=${encodeShare(REQUEST).slice('request='.length, -7)}`, // truncated link
    ];
    for (const hash of broken) {
      expect(() => decodeShare(hash), hash).toThrow(ShareError);
      expect(() => decodeShare(hash), hash).toThrow(/share link is broken/);
    }
  });

  it('rejects a link that holds JSON but not a request object', () => {
    for (const value of ['[1,2]', '"text"', '42', 'null']) {
      const hash = `#request=${toBase64Url(value)}`;
      expect(() => decodeShare(hash), value).toThrow(ShareError);
      expect(() => decodeShare(hash), value).toThrow(/does not hold a request object/);
    }
  });

  it('never throws anything but ShareError on arbitrary hashes (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (tail) => {
        try {
          const value = decodeShare(`#request=${tail}`);
          expect(typeof value).toBe('object');
          expect(value).not.toBeNull();
        } catch (e) {
          expect(e).toBeInstanceOf(ShareError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
