// A target as a targets file would give it, for tests that measure without reading one.
import type { Target } from '../../src/model/target.js';

export function targetAt(
  name: string,
  host: string,
  port: number,
  scheme: 'https' | 'http' = 'https',
): Target {
  return {
    name,
    service: 'Test',
    url: `${scheme}://${host}:${port}/`,
    scheme,
    host,
    port,
    path: '/',
    tags: [],
    source: { file: 'test', line: 1 },
  };
}
