/**
 * The agent's declarations, read once and re-read only when their file changes. Loading a school
 * (YAML parse and schema validation) costs tens of milliseconds of CPU; an agent auditing thousands of
 * schools a night would otherwise pay it on every job, where the single process (`audit --all`) pays it
 * once before it starts. A changed file (its size, inode or modification/change time in nanoseconds)
 * is loaded again at the next job, so an edit needs no restart; a file that fails to load is not
 * cached, so the next job reports the problem again rather than a stale success.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSchool } from '../../inventory/load.ts';
import type { LoadedSchool } from '../../inventory/types.ts';

export class DeclarationCache {
  readonly #entries = new Map<string, { key: string; loaded: Promise<LoadedSchool> }>();

  /** The school declared in `file`, from the cache unless the file has changed. */
  async get(file: string): Promise<LoadedSchool> {
    const st = await stat(file, { bigint: true });
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const hit = this.#entries.get(file);
    if (hit?.key === key) return hit.loaded;
    const loaded = loadSchool(file);
    this.#entries.set(file, { key, loaded });
    loaded.catch(() => {
      if (this.#entries.get(file)?.loaded === loaded) this.#entries.delete(file);
    });
    return loaded;
  }

  /** Loads every `<dir>/<school>/school.yaml` ahead of the first job; problems wait for their job. */
  async preload(dir: string): Promise<number> {
    let n = 0;
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory()) continue;
      const ok = await this.get(join(dir, e.name, 'school.yaml')).then(
        () => true,
        () => false,
      );
      if (ok) n++;
    }
    return n;
  }
}
