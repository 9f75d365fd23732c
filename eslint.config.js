// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '**/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The house's boundaries (../shared/STYLE.md): checks judge facts, never talk to devices;
  // devices never know about checks; reports never touch devices.
  {
    files: ['checks/**/*.ts'],
    ignores: ['checks/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/devices/*/**', 'net-snmp', 'ldapts', 'node-ssh', 'node-routeros'],
              message: 'Checks are pure: import fact types from devices/facts.ts only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['devices/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/checks/**', '**/reports/**', '**/stacks/**'],
              message: 'devices/ never import checks, reports or stacks.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['reports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/devices/**', '!**/devices/facts.ts'],
              message: 'Renderers know nothing about devices.',
            },
          ],
        },
      ],
    },
  },
);
