// Addresses as RFC 5952 writes them: one spelling per address, whatever spelling came in.
import { describe, expect, it } from 'vitest';
import { canonicalAddress } from '../src/model/addresses.js';

describe('canonicalAddress (RFC 5952)', () => {
  it.each<[string, string]>([
    ['fd77::2:0:0:0:48', 'fd77:0:0:2::48'], // the longest run of zeros is compressed, not the first
    ['fd77:0:0:2::48', 'fd77:0:0:2::48'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // lower case; of equal runs, the first
    ['2001:0db8::0001', '2001:db8::1'], // no leading zeros
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero word is not compressed
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['1::', '1::'],
    ['::ffff:7f00:1', '::ffff:127.0.0.1'], // IPv4-mapped: with its IPv4 tail
    ['::FFFF:127.0.0.1', '::ffff:127.0.0.1'],
    ['::127.0.0.1', '::7f00:1'],
    ['64:ff9b::808:808', '64:ff9b::808:808'],
    ['1.2.3.4', '1.2.3.4'],
    ['fe80::1%eth0', 'fe80::1%eth0'], // a zone ID: left as is
    ['not-an-address', 'not-an-address'],
  ])('%s -> %s', (address, canonical) => {
    expect(canonicalAddress(address)).toBe(canonical);
  });

  it('agrees with the URL parser (a WHATWG implementation of RFC 5952) on random addresses', () => {
    for (let i = 0; i < 2000; i++) {
      const words = Array.from({ length: 8 }, () => (Math.random() < 0.5 ? 0 : (Math.random() * 65536) | 0));
      const text = words.map((w) => w.toString(16)).join(':');
      const viaUrl = new URL(`http://[${text}]/`).hostname.slice(1, -1);
      if (viaUrl.startsWith('::ffff:')) continue; // the URL parser keeps such addresses in hex
      expect(canonicalAddress(text)).toBe(viaUrl);
    }
  });
});
