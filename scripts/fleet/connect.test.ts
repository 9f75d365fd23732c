import { describe, expect, it } from 'vitest';
import { isPermanent, untilConnected } from './connect.ts';

const err = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('waiting for the central database', () => {
  it('retries what waiting can heal, with doubling delays up to the cap', async () => {
    const delays: number[] = [];
    let calls = 0;
    const v = await untilConnected(
      () => {
        calls++;
        if (calls === 1) return Promise.reject(err('ECONNREFUSED'));
        if (calls === 2) return Promise.reject(err('57P03', 'the database system is starting up'));
        if (calls === 3) return Promise.reject(new Error('Connection terminated unexpectedly'));
        return Promise.resolve('up');
      },
      { firstMs: 1, maxMs: 3, onRetry: (_e, _n, ms) => delays.push(ms) },
    );
    expect(v).toBe('up');
    expect(calls).toBe(4);
    expect(delays).toEqual([1, 2, 3]);
  });

  it('fails at once on a refusal waiting cannot fix', async () => {
    for (const code of [
      '28P01',
      '28000',
      '3D000',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ]) {
      let calls = 0;
      await expect(
        untilConnected(
          () => {
            calls++;
            return Promise.reject(err(code));
          },
          { firstMs: 1 },
        ),
      ).rejects.toThrow(code);
      expect(calls, code).toBe(1);
    }
    expect(isPermanent(err('ECONNRESET'))).toBe(false);
    // A store's error wrapping the driver's: the driver's code decides.
    expect(isPermanent(new Error('cannot open', { cause: err('28P01') }))).toBe(true);
    expect(isPermanent(new Error('cannot open', { cause: err('ECONNREFUSED') }))).toBe(false);
    expect(isPermanent(new Error('no code'))).toBe(false);
  });

  it('stops waiting when aborted, with the last error', async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = untilConnected(
      () => {
        calls++;
        return Promise.reject(err('ECONNREFUSED', `refused ${calls}`));
      },
      { firstMs: 60_000, signal: ac.signal },
    );
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toThrow('refused 1');
    expect(calls).toBe(1);
  });
});
