/**
 * Allow-list a folder for `file:` secret references, as an operator does with SCHOOLNET_SECRETS_DIR
 * (inventory/confine.ts): for tests whose keys and CAs live in their own temp folders. CLI processes the
 * test starts afterwards inherit it.
 */
export function allowSecretsDir(dir: string): void {
  const dirs = (process.env.SCHOOLNET_SECRETS_DIR ?? '').split(':').filter(Boolean);
  if (!dirs.includes(dir)) process.env.SCHOOLNET_SECRETS_DIR = [...dirs, dir].join(':');
}
