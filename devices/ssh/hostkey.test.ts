import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostKeyVerifier, normalisePin, sshFingerprint, type HostKeyVerdict } from './hostkey.ts';

// The testbed's fixed host key: its fingerprint is what declarations pin.
const PUB = join(import.meta.dirname, '../../test/fixtures/testbed/ssh_host_ed25519_key.pub');
const blob = Buffer.from(readFileSync(PUB, 'utf8').split(/\s+/)[1] ?? '', 'base64');

describe('SSH host-key fingerprints', () => {
  it('match what ssh-keygen -lf prints for the same key', () => {
    const printed = execFileSync('ssh-keygen', ['-lf', PUB], { encoding: 'utf8' }).split(/\s+/)[1];
    expect(sshFingerprint(blob)).toBe(printed);
  });

  it('accept a pin with or without base64 padding, and nothing that is not SHA256', () => {
    const fp = sshFingerprint(blob);
    expect(normalisePin(`${fp}=`)).toBe(fp);
    expect(normalisePin(` ${fp} `)).toBe(fp);
    expect(normalisePin('MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48')).toBeUndefined();
    expect(normalisePin('SHA256:short')).toBeUndefined();
  });

  it('verify: the pin passes, another key fails, no pin fails unless first use was asked for', () => {
    const fp = sshFingerprint(blob);
    const other = Buffer.from('another key');
    const v: HostKeyVerdict = {};
    expect(hostKeyVerifier(fp, v)(blob)).toBe(true);
    expect(hostKeyVerifier(fp, v)(other)).toBe(false);
    expect(v).toEqual({ presented: sshFingerprint(other), outcome: 'mismatch' });
    expect(hostKeyVerifier(undefined, v)(blob)).toBe(false);
    expect(v.outcome).toBe('unpinned');
    const seen: string[] = [];
    expect(hostKeyVerifier(undefined, v, (f) => seen.push(f))(blob)).toBe(true);
    expect(seen).toEqual([fp]);
  });
});
