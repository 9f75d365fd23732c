/**
 * Integration setup file (runs in every test worker before each file): the private testbed keeps its keys and
 * CAs in its own temp folder, so allow-list that folder as an operator allow-lists a secrets directory
 * (inventory/confine.ts). The CLI processes the tests start inherit it.
 */
import { inject } from 'vitest';

const dir = inject('testbed').dir;
const dirs = (process.env.SCHOOLNET_SECRETS_DIR ?? '').split(':').filter(Boolean);
if (!dirs.includes(dir)) process.env.SCHOOLNET_SECRETS_DIR = [...dirs, dir].join(':');
