// The mock network for test suites: `import { startMockNetwork } from 'reachprobe/mock'`.
import { loadScenario, type Scenario } from './scenario.js';
import { startMockNetwork as start, type MockNetwork } from './network.js';

export type { MockCheckOptions, MockNetwork } from './network.js';
export type { Scenario } from './scenario.js';
export { bundledScenarios, loadScenario, parseScenario } from './scenario.js';
export { MOCK_CA } from './certs.js';

export interface MockOptions {
  /** A bundled scenario (`gfw`, the default, or `clean`), a scenario file, or a parsed scenario. */
  scenario?: string | Scenario;
}

/** Starts a mock network on loopback; call `close()` when done. */
export function startMockNetwork(options: MockOptions = {}): Promise<MockNetwork> {
  const { scenario = 'gfw' } = options;
  return start(typeof scenario === 'string' ? loadScenario(scenario) : scenario);
}
