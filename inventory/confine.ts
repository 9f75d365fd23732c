/**
 * Files stay inside the school. Every path a declaration names (its clause map, waivers, roster,
 * register tables, CA certificates) must resolve inside the school's folder; a `file:` secret reference
 * may also point into an allow-listed secrets directory (`/etc/schoolnet/secrets` and any folders in
 * SCHOOLNET_SECRETS_DIR, colon-separated). Anything else is a validation problem naming the field.
 *
 * Two layers: `declaredPathProblems` is pure and lexical (what `validate` reports, at the field's line);
 * `confinedFile` runs where a file is opened, follows symbolic links with realpath and refuses a file
 * whose real location is outside its roots (a link inside the folder pointing at /etc/shadow).
 */
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The default secrets directory an operator can keep `file:` secrets in, outside any school folder. */
export const DEFAULT_SECRETS_DIR = '/etc/schoolnet/secrets';

/**
 * The fixed testbed's folder (`schoolnet testbed up` writes its secrets and CA there; only the demo school
 * refers to it): inside the toolkit's own folder, which a school's author does not control.
 */
export const TESTBED_DIR = resolve(projectRoot(import.meta.dirname), '.schoolnet', 'testbed');

/** The checkout or installed package this module belongs to: the nearest folder above with a package.json,
 * other than the compiled output (tsc copies package.json into dist/ because the CLI reads its version). The
 * same from the sources (inventory/) and from the compiled program the Pulumi engine runs (dist/inventory/). */
function projectRoot(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    if (basename(d) !== 'dist' && existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return resolve(from, '..');
  }
}

/** Where `file:` secrets may live besides the school's folder. The allow-list is the operator's setting for
 * this process: a caller's own environment for secret look-ups (`env`) adds to it, never replaces it. */
export function secretsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = [
    process.env.SCHOOLNET_SECRETS_DIR,
    env === process.env ? undefined : env.SCHOOLNET_SECRETS_DIR,
  ]
    .filter((v): v is string => v !== undefined)
    .join(':')
    .split(':')
    .map((d) => d.trim())
    .filter((d) => d !== '' && isAbsolute(d));
  return [...new Set([DEFAULT_SECRETS_DIR, TESTBED_DIR, ...extra].map((d) => resolve(d)))];
}

/** True when `path` is `root` itself or below it (both absolute, already normalised by resolve). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

export class ConfinementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfinementError';
  }
}

/**
 * The real path of `path` if it lies inside one of `roots` (after following links), else a
 * ConfinementError naming `field` and the allowed places, never anything read from the file.
 */
export async function confinedFile(path: string, roots: readonly string[], field: string): Promise<string> {
  const abs = resolve(path);
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    // A missing file is the caller's ordinary "cannot read" problem; only a lexical escape is ours.
    if (roots.some((r) => isInside(resolve(r), abs))) return abs;
    throw new ConfinementError(`${field}: ${abs} is outside ${describeRoots(roots)}`);
  }
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = await realpath(root);
    } catch {
      continue;
    }
    if (isInside(realRoot, real)) return real;
  }
  throw new ConfinementError(
    real === abs
      ? `${field}: ${abs} is outside ${describeRoots(roots)}`
      : `${field}: ${abs} leads (by a symbolic link) to ${real}, outside ${describeRoots(roots)}`,
  );
}

function describeRoots(roots: readonly string[]): string {
  const [school, ...others] = roots;
  return others.length === 0
    ? `the school's folder (${school})`
    : `the school's folder (${school}) and the secrets directories (${others.join(', ')})`;
}

/** Secret files must not be readable by group or others. */
export interface SecretModePolicy {
  /** Refuse (instead of warn about) a group- or world-readable secret file. */
  strict: boolean;
  /** Where warnings go (default: process.emitWarning). */
  warn?: (message: string) => void;
}

/** Checks a secret file's mode; throws under `strict`, warns otherwise. Never reads the file. */
export async function checkSecretMode(path: string, field: string, policy: SecretModePolicy): Promise<void> {
  const st = await stat(path);
  const loose = st.mode & 0o077;
  if (loose === 0) return;
  const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
  const message = `${field}: secret file ${path} is readable by ${loose & 0o070 ? 'its group' : ''}${loose & 0o070 && loose & 0o007 ? ' and ' : ''}${loose & 0o007 ? 'everyone' : ''} (mode ${mode}); chmod 600 it`;
  if (policy.strict) throw new ConfinementError(`${message} (refused: strict secret file modes)`);
  (policy.warn ?? ((m: string) => process.emitWarning(m, 'SecretFileMode')))(message);
}

/** A path-valued field of a declaration, as a JSON pointer and its value. */
interface PathField {
  pointer: string;
  value: string;
  /** `file:` secret references may also live in a secrets directory. */
  secret: boolean;
}

/** Every path the declaration names, found by shape (so a new secret field is covered without a list). */
export function declaredPaths(data: unknown): PathField[] {
  const out: PathField[] = [];
  const obj = data as Record<string, unknown> | null;
  const at = (pointer: string, v: unknown, secret = false): void => {
    if (typeof v === 'string' && !v.includes('-----BEGIN')) out.push({ pointer, value: v, secret });
  };
  const walk = (v: unknown, pointer: string): void => {
    if (typeof v === 'string') {
      if (v.startsWith('file:')) out.push({ pointer, value: v.slice(5), secret: true });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${pointer}/${i}`));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v))
        walk(x, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(data, '');
  if (!obj || typeof obj !== 'object') return out;
  const policy = obj.policy as Record<string, unknown> | undefined;
  at('/policy/file', policy?.file);
  at('/waivers', obj.waivers);
  const lifecycle = obj.lifecycle as { roster?: Record<string, unknown> } | undefined;
  at('/lifecycle/roster/file', lifecycle?.roster?.file);
  const inventory = obj.inventory as Record<string, unknown> | undefined;
  for (const t of ['assets', 'software', 'licences', 'installs']) at(`/inventory/${t}`, inventory?.[t]);
  const directory = obj.directory as { tls?: Record<string, unknown> } | undefined;
  // CA certificates are read like `file:` secrets (devices/*: tls.ca), so they may live where secrets do.
  at('/directory/tls/ca', directory?.tls?.ca, true);
  // The filter's interception CA the probes trust (devices/probes/), read like tls.ca.
  at('/probes/trustCa', (obj.probes as { trustCa?: unknown } | undefined)?.trustCa, true);
  const devices = obj.devices;
  if (Array.isArray(devices))
    devices.forEach((d, i) => at(`/devices/${i}/tls/ca`, (d as { tls?: { ca?: unknown } })?.tls?.ca, true));
  return out;
}

/**
 * Lexical confinement of every declared path (pure): a problem per field whose path leaves the school's
 * folder (`schoolDir`), or, for a `file:` secret, also every secrets directory.
 */
export function declaredPathProblems(
  data: unknown,
  schoolDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Array<{ pointer: string; message: string }> {
  const dir = resolve(schoolDir);
  const secrets = secretsDirs(env);
  const problems: Array<{ pointer: string; message: string }> = [];
  for (const f of declaredPaths(data)) {
    if (f.value === '') continue; // the schema reports empty values
    const abs = resolve(dir, f.value);
    if (isInside(dir, abs) && abs !== dir) continue;
    if (f.secret && secrets.some((s) => isInside(s, abs) && abs !== s)) continue;
    problems.push({
      pointer: f.pointer,
      message: f.secret
        ? `the ${f.pointer.endsWith('/ca') ? 'CA' : 'secret'} file must be inside the school's folder or a secrets directory (${secrets.join(', ')}; add one with SCHOOLNET_SECRETS_DIR), not ${abs}`
        : `must be a file inside the school's folder, not ${abs}`,
    });
  }
  return problems;
}
