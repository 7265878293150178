import { execFileSync } from 'node:child_process';

/**
 * Whether a system binary a test needs (openssl, dovecot, sshd) is installed. When it is not, the test is skipped
 * with a loud line on stderr, unless PIA_TEST_REQUIRE_SYSTEM=1 (set by .ci/run), where a missing binary fails.
 */
export function haveBinary(name: string, installHint: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.PIA_TEST_REQUIRE_SYSTEM === '1') {
      throw new Error(`${name} is required (PIA_TEST_REQUIRE_SYSTEM=1) but not installed: ${installHint}`);
    }
    process.stderr.write(`\n*** SKIPPING tests that need ${name}: not installed (${installHint}) ***\n\n`);
    return false;
  }
}
