// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Platform SDKs may only be imported inside their own adapter folders. */
const sdkMessage = 'Platform SDKs stay in their adapter folder.';
const sdkPackages = ['discord.js', '@discordjs/rest', 'imapflow', 'nodemailer', 'mailparser', 'ssh2'].map((name) => ({ name, message: sdkMessage }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: sdkPackages, patterns: [{ group: ['@slack/*'], message: sdkMessage }] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='exec'][callee.object.name='child_process']",
          message: 'User text never passes through a shell: use execFile/spawn with an argv array.',
        },
      ],
    },
  },
  {
    files: ['src/bot/slack/**', 'src/bot/discord/**', 'src/mail/**', 'src/power/ssh/**', 'test/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
