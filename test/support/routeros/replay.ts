import { serveApi, type ApiListener } from './listener.ts';
import { DEFAULT_USERS } from './server.ts';
import type { CommandHandler, CommandResult, Exchange } from './types.ts';

/**
 * Serves recorded replies (NAPALM's mocked_data idea): each command gets exactly the sentences recorded for
 * it, so a contract test sees the router's words, not the model's. A command nobody recorded is a trap
 * naming it, so a collector that starts asking something new fails loudly until the scenario is re-recorded.
 */
export interface ReplayServer extends ApiListener {
  /** Recorded commands never asked for. */
  unused(): string[][];
}

const key = (sentence: readonly string[]): string => sentence.join('\u0000');

export async function startReplayServer(exchanges: readonly Exchange[]): Promise<ReplayServer> {
  const recorded = new Map<string, string[][]>();
  for (const e of exchanges) recorded.set(key(e.sentence), e.replies);
  const asked = new Set<string>();
  const handler: CommandHandler = {
    execute(req): CommandResult {
      const k = key(req.words);
      const replies = recorded.get(k);
      if (replies === undefined) return { kind: 'trap', message: `not recorded: ${req.words.join(' ')}` };
      asked.add(k);
      return { kind: 'raw', sentences: replies };
    },
  };
  const listener = await serveApi({ handler, users: DEFAULT_USERS, emptyReplies: false });
  return Object.assign(listener, {
    unused: () => exchanges.filter((e) => !asked.has(key(e.sentence))).map((e) => e.sentence),
  });
}
