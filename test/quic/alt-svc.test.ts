import { describe, expect, it } from 'vitest';
import { http3Alternative, parseAltSvc } from '../../src/net/alt-svc.js';

describe('Alt-Svc (RFC 7838)', () => {
  it('reads the HTTP/3 offer of a typical answer', () => {
    const alt = parseAltSvc(
      'h3=":443"; ma=86400, h3-29=":443"; ma=86400, quic=":443"; ma=2592000; v="46,43"',
    );
    expect(alt.alternatives.map((a) => a.protocol)).toEqual(['h3', 'h3-29', 'quic']);
    expect(http3Alternative(alt)).toEqual({ protocol: 'h3', port: 443, maxAgeSeconds: 86400 });
  });

  it('reads another host and port, IPv6 literals, percent-encoded IDs and the default max age', () => {
    expect(
      parseAltSvc('h3="alt.example.com:8443", h2="[2001:db8::1]:443", w%3Dx%3Ay=":80"').alternatives,
    ).toEqual([
      { protocol: 'h3', host: 'alt.example.com', port: 8443, maxAgeSeconds: 86400 },
      { protocol: 'h2', host: '2001:db8::1', port: 443, maxAgeSeconds: 86400 },
      { protocol: 'w=x:y', port: 80, maxAgeSeconds: 86400 },
    ]);
  });

  it('says "clear", skips what does not parse, and takes no HTTP/3 offer withdrawn by ma=0', () => {
    expect(parseAltSvc('clear')).toEqual({ clear: true, alternatives: [] });
    expect(
      parseAltSvc('h3=:443, h3=":0", h3=":99999", =":443", %zz=":443", h3=":443"; ma=0').alternatives,
    ).toEqual([{ protocol: 'h3', port: 443, maxAgeSeconds: 0 }]);
    expect(http3Alternative(parseAltSvc('h3=":443"; ma=0'))).toBeUndefined();
    expect(http3Alternative(parseAltSvc('h2=":443"'))).toBeUndefined();
  });
});
