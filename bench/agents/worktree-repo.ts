import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** Runs git with an argv array; rejects with its stderr. `input` goes to its stdin. */
export function runGit(args: string[], cwd: string, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`git ${args[0]} failed (${code}): ${err.trim().slice(-500)}`))));
    child.stdin.end(input ?? '');
  });
}

/**
 * A bare repository at `bare` with one commit on main holding `files` small text files in folders of 100, written
 * with `git fast-import` (seconds, not minutes, for 10,000 files: nothing touches the disk but the pack).
 */
export async function makeBigRepo(bare: string, files: number): Promise<void> {
  mkdirSync(bare, { recursive: true });
  await runGit(['init', '--quiet', '--bare', '--initial-branch=main', bare], bare);
  const parts: string[] = ['commit refs/heads/main', 'committer Bench <bench@example.test> 1700000000 +0000', 'data 12', 'big history', ''];
  for (let i = 0; i < files; i++) {
    const text = `file ${i}\n${'line of text in a source file\n'.repeat(1 + (i % 7))}`;
    parts.push(`M 100644 inline src/d${Math.floor(i / 100)}/f${i}.txt`, `data ${Buffer.byteLength(text)}`, text);
  }
  parts.push('done', '');
  await runGit(['fast-import', '--quiet', '--done'], bare, parts.join('\n'));
}
