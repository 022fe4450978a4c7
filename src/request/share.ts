import type { RequestDraft } from './types';

/** Longest share hash we create; browsers and chat apps cut longer URLs. */
export const SHARE_LIMIT = 32_000;

export class ShareError extends Error {}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The hash fragment (without '#') that carries a request. */
export function encodeShare(draft: RequestDraft): string {
  const hash = `request=${toBase64Url(new TextEncoder().encode(JSON.stringify(draft)))}`;
  if (hash.length > SHARE_LIMIT)
    throw new ShareError(
      `This request is too large for a link (${hash.length} characters, limit ${SHARE_LIMIT}). Export it as JSON instead.`,
    );
  return hash;
}

/** Reads a request from a hash; null when the hash carries none. */
export function decodeShare(hash: string): RequestDraft | null {
  const h = hash.replace(/^#/, '');
  const m = /(?:^|&)request=([^&]*)/.exec(h);
  if (!m) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(m[1]!)));
  } catch {
    throw new ShareError(
      'This share link is broken (it does not decode to a request). Ask for the link again.',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ShareError('This share link is broken (it does not hold a request object).');
  return value as RequestDraft;
}
