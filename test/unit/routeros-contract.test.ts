import { afterEach, describe, expect, it } from 'vitest';
import { collectRouterFacts } from '../../devices/routeros/collect.ts';
import { startReplayServer, type ReplayServer } from '../support/routeros/replay.ts';
import { loadScenarios, scenarioOptions } from '../support/routeros/scenarios.ts';

// NAPALM-style contract: recorded router replies in (test/fixtures/routeros/recorded/<scenario>/replies.json),
// typed facts out (expected.json). Re-record with `node test/support/routeros/scenarios.ts` when the
// collector's questions change, and review expected.json: it is what the checks rely on.
const scenarios = loadScenarios();

describe('RouterOS facts from recorded replies', () => {
  let replay: ReplayServer | undefined;
  afterEach(async () => {
    await replay?.close();
    replay = undefined;
  });

  it('has the scenarios the checks depend on', () => {
    expect(scenarios.map((s) => s.name).sort()).toEqual(['bad', 'demo', 'good', 'legacy', 'quirks']);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))(
    '%s: the recorded replies give the expected facts',
    async (_, scenario) => {
      replay = await startReplayServer(scenario.exchanges);
      const facts = await collectRouterFacts({ ...scenario.device, port: replay.port }, scenarioOptions());
      expect(facts).toEqual(scenario.expected);
      // Every recorded question is still asked: a recording that drifts from the collector is re-recorded.
      expect(replay.unused()).toEqual([]);
    },
  );
});
