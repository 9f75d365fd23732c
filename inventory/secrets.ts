import { LIMITS, readBounded } from './limits.ts';
import { resolve } from 'node:path';
import {
  checkSecretMode,
  ConfinementError,
  confinedFile,
  secretsDirs,
  type SecretModePolicy,
} from './confine.ts';

/** Secrets are only ever references: `env:NAME` or `file:PATH`. */
export const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;

export class SecretError extends Error {
  readonly ref: string;

  constructor(ref: string, message: string) {
    super(message);
    this.name = 'SecretError';
    this.ref = ref;
  }
}

/** SCHOOLNET_STRICT_SECRETS=1 refuses group/world-readable secret files instead of warning. */
export function secretModePolicy(env: NodeJS.ProcessEnv = process.env): SecretModePolicy {
  return { strict: env.SCHOOLNET_STRICT_SECRETS === '1' || env.SCHOOLNET_STRICT_SECRETS === 'true' };
}

/**
 * Resolve a secret reference. `file:` paths are relative to `baseDir` (the declaration's folder) and
 * must stay inside it or a secrets directory (see confine.ts), links followed; a file readable by
 * group or others is warned about (refused with SCHOOLNET_STRICT_SECRETS=1).
 * The value is never logged; errors name the reference, never its content.
 */
export async function resolveSecret(
  ref: string,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
  modes: SecretModePolicy = secretModePolicy(env),
): Promise<string> {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = env[name];
    if (v === undefined || v === '') throw new SecretError(ref, `environment variable ${name} is not set`);
    return v;
  }
  if (ref.startsWith('file:')) {
    const p = ref.slice(5);
    let path = resolve(baseDir, p);
    try {
      path = await confinedFile(path, [resolve(baseDir), ...secretsDirs(env)], 'secret reference');
      const text = await readBounded(path, LIMITS.secretBytes, 'secret file');
      // A CA certificate (tls.ca is read through this resolver) is public: only secrets need mode 600.
      if (!/^\s*-----BEGIN CERTIFICATE-----/.test(text))
        await checkSecretMode(path, 'secret reference', modes);
      return text.replace(/\r?\n$/, '');
    } catch (e) {
      if (e instanceof ConfinementError) throw new SecretError(ref, e.message);
      throw new SecretError(
        ref,
        `cannot read secret file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
  }
  throw new SecretError('(inline)', 'an inline secret is not allowed: use env:NAME or file:PATH');
}

/** A resolver bound to one declaration's folder, as collectors take it. */
export function secretResolver(
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
  modes: SecretModePolicy = secretModePolicy(env),
) {
  return (ref: string) => resolveSecret(ref, baseDir, env, modes);
}
