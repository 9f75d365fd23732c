/**
 * SSH host-key pinning. ssh2 accepts ANY host key when no `hostVerifier` is given, so every connection
 * here goes through `hostKeyVerifier`, which compares the key against the declared pin exactly as
 * `ssh-keygen -lf` prints it: `SHA256:` + base64 (no padding) of the SHA-256 of the raw key blob.
 */
import { createHash } from 'node:crypto';

export function sshFingerprint(keyBlob: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** A pin as declared, normalised (padding dropped); undefined when it is not a SHA256 fingerprint. */
export function normalisePin(pin: string): string | undefined {
  const m = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(pin.trim());
  return m ? `SHA256:${m[1]}` : undefined;
}

/** What the verifier saw, for the error message after ssh2 gives up. */
export interface HostKeyVerdict {
  presented?: string;
  outcome?: 'match' | 'mismatch' | 'unpinned' | 'first-seen';
}

/**
 * The `hostVerifier` for ssh2: true only for the pinned key, or (when the caller explicitly asked for
 * trust on first use by passing `recordFirstSeen`) for an unpinned host, whose fingerprint is then
 * handed to `recordFirstSeen` to be stored.
 */
export function hostKeyVerifier(
  pin: string | undefined,
  verdict: HostKeyVerdict,
  recordFirstSeen?: (fingerprint: string) => void,
): (key: Buffer) => boolean {
  return (key: Buffer) => {
    const presented = sshFingerprint(key);
    verdict.presented = presented;
    if (pin !== undefined) {
      verdict.outcome = presented === pin ? 'match' : 'mismatch';
      return verdict.outcome === 'match';
    }
    if (recordFirstSeen) {
      verdict.outcome = 'first-seen';
      recordFirstSeen(presented);
      return true;
    }
    verdict.outcome = 'unpinned';
    return false;
  };
}
