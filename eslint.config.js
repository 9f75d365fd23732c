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
  // The house's floors run one way (README "Layout"): facts types -> devices / inventory -> intent ->
  // stacks | checks -> reports -> scripts. Each folder lists what it may not import; test code (test/,
  // *.test.ts) is never imported by production code. Type-only imports are allowed where noted.
  ...boundaries(),
);

function boundaries() {
  const TEST_FILES = ['**/*.test.ts'];
  const test = { group: ['**/test/**'], message: 'Production code never imports test code (test/).' };
  const clients = {
    group: ['**/devices/*/**', 'net-snmp', 'ldapts', 'node-ssh', 'node-routeros'],
    message: 'Pure code: import fact types from devices/facts.ts only, never a protocol client.',
  };
  const up = (folders, message) => ({ group: folders.map((f) => `**/${f}/**`), message });
  const rule = (files, patterns, extra = {}) => ({
    files,
    ...extra,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  });
  const checksStacks = up(['stacks'], 'checks/ judge facts against intent/; they never import stacks/.');
  return [
    // intent/: the intended state, pure. Device types and pure helpers (DN escaping) only.
    rule(
      ['intent/**/*.ts'],
      [
        up(
          ['stacks', 'checks', 'reports', 'scripts'],
          'intent/ is pure: stacks/ and checks/ read it, not the reverse.',
        ),
        {
          group: ['**/devices/*/*', '!**/devices/ldap/dn.ts'],
          allowTypeImports: true,
          message:
            'intent/ imports no protocol client (types, devices/facts.ts and devices/ldap/dn.ts only).',
        },
        {
          group: ['@pulumi/*', 'net-snmp', 'ldapts', 'node-ssh', 'node-routeros'],
          message: 'intent/ is pure.',
        },
        test,
      ],
      { ignores: TEST_FILES },
    ),
    rule(
      ['intent/**/*.test.ts'],
      [up(['stacks', 'checks'], 'intent/ is pure: stacks/ and checks/ read it.')],
    ),
    // checks/: pure judgements (the engine alone talks to devices).
    rule(['checks/**/*.ts'], [clients, checksStacks, test], { ignores: ['checks/engine/**', ...TEST_FILES] }),
    rule(['checks/engine/**/*.ts'], [checksStacks, test], { ignores: TEST_FILES }),
    rule(['checks/**/*.test.ts'], [checksStacks]),
    // stacks/: applies intent/ through providers.
    rule(
      ['stacks/**/*.ts'],
      [up(['checks', 'reports', 'scripts'], 'stacks/ never imports checks/, reports/ or scripts/.'), test],
      { ignores: TEST_FILES },
    ),
    rule(['stacks/**/*.test.ts'], [up(['checks'], 'stacks/ never imports checks/.')]),
    // inventory/: parses and schema-checks the school's files; the engine resolves what they refer to.
    rule(
      ['inventory/**/*.ts'],
      [
        up(
          ['checks', 'stacks', 'intent', 'reports', 'scripts'],
          'inventory/ sits below intent/, checks/ and stacks/: it never imports them.',
        ),
        test,
      ],
      { ignores: TEST_FILES },
    ),
    rule(
      ['inventory/**/*.test.ts'],
      [up(['checks', 'stacks', 'intent'], 'inventory/ never imports checks/, stacks/ or intent/.')],
    ),
    // devices/: protocol clients and facts. Declaration types from inventory/ only.
    rule(
      ['devices/**/*.ts'],
      [
        up(
          ['checks', 'reports', 'stacks', 'intent', 'scripts'],
          'devices/ never import checks, reports, stacks, intent or scripts.',
        ),
        {
          group: ['**/inventory/**'],
          allowTypeImports: true,
          message: 'devices/ may import inventory types only.',
        },
        test,
      ],
      { ignores: TEST_FILES },
    ),
    rule(
      ['devices/**/*.test.ts'],
      [
        up(
          ['checks', 'reports', 'stacks', 'intent'],
          'devices/ never import checks, reports, stacks or intent.',
        ),
      ],
    ),
    // reports/: renderers know nothing about devices.
    rule(
      ['reports/**/*.ts'],
      [
        {
          group: ['**/devices/**', '!**/devices/facts.ts'],
          message: 'Renderers know nothing about devices.',
        },
        up(['stacks', 'scripts'], 'reports/ never import stacks/ or scripts/.'),
        test,
      ],
      { ignores: TEST_FILES },
    ),
    rule(['scripts/**/*.ts', 'bin/**/*.js'], [test], { ignores: TEST_FILES }),
  ];
}
