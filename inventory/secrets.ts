import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

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

/**
 * Resolve a secret reference. `file:` paths are relative to `baseDir` (the declaration's folder).
 * The value is never logged; errors name the reference, never its content.
 */
export async function resolveSecret(
  ref: string,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = env[name];
    if (v === undefined || v === '') throw new SecretError(ref, `environment variable ${name} is not set`);
    return v;
  }
  if (ref.startsWith('file:')) {
    const p = ref.slice(5);
    const path = isAbsolute(p) ? p : resolve(baseDir, p);
    try {
      return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new SecretError(
        ref,
        `cannot read secret file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      );
    }
  }
  throw new SecretError('(inline)', 'an inline secret is not allowed: use env:NAME or file:PATH');
}

/** A resolver bound to one declaration's folder, as collectors take it. */
export function secretResolver(baseDir: string, env: NodeJS.ProcessEnv = process.env) {
  return (ref: string) => resolveSecret(ref, baseDir, env);
}
