/**
 * Integration setup file (runs in every test worker before each file): the private testbed keeps its keys and
 * CAs in its own temp folder, so allow-list that folder as an operator allow-lists a secrets directory
 * (inventory/confine.ts). The CLI processes the tests start inherit it.
 */
import { inject } from 'vitest';
import { allowSecretsDir } from './allow-secrets.ts';

allowSecretsDir(inject('testbed').dir);
