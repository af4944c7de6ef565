// The tests Stryker runs against each mutant of src/classify/ and src/net/quic/ (npm run mutation): the
// fast, in-process ones that exercise those folders. Tests that spawn the CLI, Chromium, gtlsserver or
// network namespaces stay out: they are slow, and the code they reach is covered here at its boundaries.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/classify.test.ts',
      'test/classify-redirects.test.ts',
      'test/classify-quic-edges.test.ts',
      'test/control-classify.test.ts',
      'test/failure.test.ts',
      'test/service.test.ts',
      'test/throttle-rule.test.ts',
      'test/quic/classify-quic.test.ts',
      'test/quic/boundaries.test.ts',
      'test/quic/chain.test.ts',
      'test/quic/check.test.ts',
      'test/quic/connection.test.ts',
      'test/quic/dial.test.ts',
      'test/quic/handshake.test.ts',
      'test/quic/hostile.test.ts',
      'test/quic/mock-responder.test.ts',
      'test/quic/packet-protection.test.ts',
      'test/quic/parser-property.test.ts',
      'test/quic/tls.test.ts',
      'test/quic/tls-client.test.ts',
      'test/quic/varint-frames.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
