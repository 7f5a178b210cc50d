// ESLint flat config. Syntax-only typescript-eslint rules (no type information, so it stays fast);
// Prettier owns formatting (eslint-config-prettier switches off every stylistic rule).
//
// The core/ import boundary is enforced twice: here, for the obvious forms (static imports and
// re-exports), and completely by scripts/check-imports.js (which also resolves every relative path
// and sees dynamic import()). `npm run lint` runs both.
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import prettier from 'eslint-config-prettier/flat'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import { CORE_ALLOWED_PACKAGES } from './scripts/core-allowed-packages.js'

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const alternation = (names) => names.map(escapeRegex).join('|')
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'))

/** Restrictions for a core/ file `depth` directories below core/ (core/x.ts has depth 1). */
function coreImportPatterns(depth) {
  return [
    {
      regex: `^(?:node:|(?:${alternation(nodeBuiltins)})(?:/|$))`,
      message: 'core/ must stay platform-neutral: no Node built-ins (put Node-only code in an adapter or testing/).',
    },
    {
      // `depth` leading `..` segments leave core/ (eslint sees only this obvious form).
      regex: `^(?:\\./)*(?:\\.\\./){${depth - 1}}\\.\\.(?:/|$)`,
      message: 'core/ must not import from outside core/ (relative path leaves core/).',
    },
    {
      regex: `^(?![./])(?!node:)(?!(?:${alternation(nodeBuiltins)})(?:/|$))(?!(?:${alternation(CORE_ALLOWED_PACKAGES)})(?:/|$))`,
      message: `core/ may only import these packages: ${CORE_ALLOWED_PACKAGES.join(', ')}.`,
    },
  ]
}

const coreBoundaryConfigs = [1, 2, 3, 4, 5, 6].map((depth) => ({
  name: `townhall/core-boundary-depth-${depth}`,
  files: [`core/${'*/'.repeat(depth - 1)}*.ts`],
  ignores: ['core/**/*.test.ts'],
  rules: {
    'no-restricted-imports': ['error', { patterns: coreImportPatterns(depth) }],
  },
}))

export default defineConfig(
  {
    name: 'townhall/ignores',
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'coverage/**',
      'apps/**/build/**',
      '**/.svelte-kit/**',
      'test/.docs-examples/**',
      '.townhall/**',
      'tmp/**',
      'bench/tmp/**',
      // StrykerJS's sandboxes: copies of the tree made for mutation runs.
      '.stryker-tmp/**',
      'reports/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    name: 'townhall/rules',
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
    },
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    name: 'townhall/node-js',
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: 'townhall/apps-browser',
    files: ['apps/**/*.{js,ts}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  ...coreBoundaryConfigs,
  prettier,
)
