// ESLint flat config for the whole repository (kept in test/ so the top level stays as designed).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/*.js', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through @yuqing/config, the one place that parses the environment.' },
      ],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['packages/config/src/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The fault suite starts the services as child processes with environments it composes, and
    // reads the shared servers' addresses as CI set them: the environment is its input by design.
    files: ['test/faults/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
