// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Platform SDKs may only be imported inside their own adapter folders. */
const sdkMessage = 'Platform SDKs stay in their adapter folder.';
const sdkPackages = ['discord.js', '@discordjs/rest', 'imapflow', 'nodemailer', 'mailparser', 'ssh2'].map((name) => ({ name, message: sdkMessage }));
const sdkPatterns = [{ group: ['@slack/*'], message: sdkMessage }];

/**
 * The house imports only downward: cli -> app -> front ends (bot, mail, web) -> present (shared views) -> hub ->
 * power -> commands, wol -> protocol, common. Each folder below lists what it may not reach up to.
 */
const upward = (folders, why) => ({ regex: `(^|/)(${folders.join('|')})/`, message: why });
const layers = [
  { files: ['src/hub/**'], forbid: upward(['app', 'cli', 'bot', 'mail', 'web'], 'The hub is the core: it declares what it needs and the composition root (src/app) hands it over.') },
  { files: ['src/power/**'], forbid: upward(['app', 'cli', 'bot', 'mail', 'web', 'hub', 'worker'], 'Power declares its ports (src/power/ports.ts); the hub implements them.') },
  { files: ['src/worker/**'], forbid: upward(['app', 'cli', 'bot', 'mail', 'web', 'hub', 'power'], 'The worker links to the hub over the protocol only.') },
  { files: ['src/commands/**', 'src/wol/**'], forbid: upward(['app', 'cli', 'bot', 'mail', 'web', 'hub', 'power', 'worker'], 'A shared language below every part.') },
  { files: ['src/protocol/**', 'src/common/**'], forbid: upward(['app', 'cli', 'bot', 'mail', 'web', 'hub', 'power', 'worker', 'commands', 'wol'], 'The ground floor imports nothing of PIA above it.') },
  ...['bot', 'mail', 'web'].map((front) => ({
    files: [`src/${front}/**`],
    forbid: upward(['app', 'cli', ...['bot', 'mail', 'web'].filter((f) => f !== front)], 'Front ends are wired by the composition root and stand on their own; what they share is in src/present.'),
  })),
  { files: ['src/present/**'], forbid: upward(['app', 'cli', 'bot', 'mail', 'web'], 'The shared views sit below every front end.') },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'src/web/assets/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: sdkPackages, patterns: sdkPatterns }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='exec'][callee.object.name='child_process']",
          message: 'User text never passes through a shell: use execFile/spawn with an argv array.',
        },
      ],
    },
  },
  // A switch over a union must handle every member (or say `default` on purpose): a new message type or command
  // that nobody handles fails the lint instead of being ignored at run time.
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false }] },
  },
  ...layers.map(({ files, forbid }) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { paths: sdkPackages, patterns: [...sdkPatterns, forbid] }] },
  })),
  // Adapter folders may use their platform's SDK; they still import only downward.
  { files: ['src/bot/slack/**', 'src/bot/discord/**'], rules: { 'no-restricted-imports': ['error', { patterns: [upward(['app', 'cli', 'mail', 'web'], 'A chat adapter stands on its own.')] }] } },
  { files: ['src/mail/**'], rules: { 'no-restricted-imports': ['error', { patterns: [upward(['app', 'cli', 'bot', 'web'], 'Mail stands on its own; what front ends share is in src/present.')] }] } },
  { files: ['src/power/ssh/**'], rules: { 'no-restricted-imports': ['error', { patterns: [upward(['app', 'cli', 'bot', 'mail', 'web', 'hub', 'worker'], 'Power declares its ports.')] }] } },
  { files: ['test/**', 'bench/**'], rules: { 'no-restricted-imports': 'off' } },
  // The dashboard's page: plain ES modules run by the browser as they are (no build step).
  { files: ['src/web/assets/**/*.js'], languageOptions: { globals: { ...globals.browser }, sourceType: 'module' } },
);
