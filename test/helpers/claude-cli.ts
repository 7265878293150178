import { mkdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/common/version.js';

/**
 * The real Claude Code CLI, from the pinned dev dependency `@anthropic-ai/claude-code` (its native binary is the
 * optional dependency `@anthropic-ai/claude-code-<platform>-<arch>`). Tests drive it offline against a scripted
 * model on loopback (fake-model.ts).
 */
export function claudeBinary(): string | undefined {
  const modules = path.join(projectRoot, 'node_modules', '@anthropic-ai');
  const candidates = [path.join(modules, `claude-code-${process.platform}-${process.arch}`, 'claude'), path.join(modules, 'claude-code', 'bin', 'claude.exe')];
  for (const file of candidates) {
    try {
      // The wrapper package's bin is a small placeholder until its install script puts the native binary there.
      if (statSync(file).size > 1024 * 1024) return file;
    } catch {
      // not installed
    }
  }
  return undefined;
}

/**
 * Whether the real CLI can run here. Missing, the tests say so loudly and skip, unless PIA_TEST_REQUIRE_SYSTEM=1
 * (CI), where it is a failure: `npm ci` installs it.
 */
export function haveClaude(): boolean {
  if (claudeBinary()) return true;
  const hint = 'npm ci installs @anthropic-ai/claude-code and its native binary (an optional dependency; do not use --omit=optional)';
  if (process.env.PIA_TEST_REQUIRE_SYSTEM === '1') throw new Error(`the Claude Code CLI is required (PIA_TEST_REQUIRE_SYSTEM=1) but not installed: ${hint}`);
  process.stderr.write(`\n*** SKIPPING tests that need the real Claude Code CLI: not installed (${hint}) ***\n\n`);
  return false;
}

/**
 * A worker environment in which `claude` on PATH is the real CLI, talking to `modelUrl`, with its config, its
 * temp files and its home in `dir` (never the machine's own).
 */
export function claudeEnv(modelUrl: string, dir: string): Record<string, string> {
  const bin = path.join(dir, 'bin');
  const config = path.join(dir, 'claude-config');
  const tmp = path.join(dir, 'tmp');
  for (const d of [bin, config, tmp]) mkdirSync(d, { recursive: true });
  symlinkSync(claudeBinary()!, path.join(bin, 'claude'));
  return {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: dir,
    TMPDIR: tmp,
    ANTHROPIC_BASE_URL: modelUrl,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CONFIG_DIR: config,
  };
}
