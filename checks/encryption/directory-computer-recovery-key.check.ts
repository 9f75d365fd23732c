import { error, fail, withRest } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { osPattern: string };

/**
 * BitLocker escrows a recovery key under the computer object; its presence is the directory's evidence
 * that the disk is encrypted. If the collector did not read recovery information, that is an error.
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-computer-recovery-key',
    title: 'Computers have an encryption recovery key',
    controls: ['ENC-DEVICES'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        osPattern: {
          type: 'string',
          format: 'regex',
          default: 'windows',
          description: 'Operating systems expected to escrow a BitLocker key (case-insensitive).',
        },
      },
      additionalProperties: false,
    },
    defaults: { osPattern: 'windows' },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const os = new RegExp(params.osPattern, 'i');
    const judged = dir.value.computers.filter((c) => c.enabled && (c.os === undefined || os.test(c.os)));
    if (judged.length > 0 && judged.every((c) => c.hasRecoveryKey === undefined)) {
      return [
        error(
          'The directory read did not include encryption recovery information, so encryption could not be judged.',
          {
            source: 'directory',
            expected: 'msFVE-RecoveryInformation read',
            actual: 'not collected',
          },
        ),
      ];
    }
    const out: CheckResult[] = [];
    let fine = 0;
    for (const c of judged) {
      if (c.hasRecoveryKey === true) {
        fine++;
        continue;
      }
      out.push(
        fail(
          `Computer ${c.name} has no encryption recovery key in the directory, so its disk is probably not encrypted.`,
          {
            source: 'directory',
            object: c.name,
            expected: 'recovery key escrowed',
            actual: c.hasRecoveryKey === false ? 'none' : 'unknown',
          },
        ),
      );
    }
    return withRest(out, fine, 'computer', 'recovery key escrowed.', 'directory');
  },
};

export default check;
