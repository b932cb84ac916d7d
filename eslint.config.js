import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'functions/lib/**', 'functions/node_modules/**', 'coverage/**', 'reports/**', '.stryker-tmp/**', 'console/dist/**', 'console/src/api/v1.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The console runs in the browser (its scripts/ and vite.config.ts run in Node).
  { files: ['console/src/**'], languageOptions: { globals: { ...globals.browser } } },
);
