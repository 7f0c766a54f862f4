import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layeringRule } from './tools/eslint/layering-rule.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', '.stack/', '**/dist/', 'infra/**/target/', 'coverage/', '**/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
      },
    },
    plugins: { mailfleet: { rules: { layering: layeringRule } } },
    rules: {
      'mailfleet/layering': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Command-line tools talk to a person on a terminal; everything else logs through pino.
    files: ['tools/**', 'bench/**', 'dev/**', 'examples/**', '**/*-cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
