import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A stand-in `gh` (GitHub's CLI) in `dir`, for a worker's PATH: `auth status` succeeds while `dir/logged-in` exists;
 * `pr view <branch>` prints the link of the pull request made for that branch, if any; `pr create` records its argv
 * in `dir/calls.jsonl` and prints a new link, https://github.example/acme/app/pull/<n>.
 */
export function fakeGh(dir: string): { dir: string; logIn(): void; calls(): string[][] } {
  mkdirSync(dir, { recursive: true });
  const script = `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const dir = ${JSON.stringify(dir)};
const args = process.argv.slice(2);
const prFile = (branch) => path.join(dir, 'pr-' + branch.replace(/[^a-z0-9]/gi, '_'));
if (args[0] === 'auth' && args[1] === 'status') {
  if (fs.existsSync(path.join(dir, 'logged-in'))) process.exit(0);
  process.stderr.write('You are not logged into any GitHub hosts. To log in, run: gh auth login\\n');
  process.exit(1);
}
if (args[0] === 'pr' && args[1] === 'view') {
  if (fs.existsSync(prFile(args[2]))) { process.stdout.write(fs.readFileSync(prFile(args[2]), 'utf8')); process.exit(0); }
  process.stderr.write('no pull requests found for branch "' + args[2] + '"\\n');
  process.exit(1);
}
if (args[0] === 'pr' && args[1] === 'create') {
  fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify(args) + '\\n');
  const n = fs.readFileSync(path.join(dir, 'calls.jsonl'), 'utf8').trim().split('\\n').length;
  const head = args.find((a) => a.startsWith('--head=')).slice(7);
  const url = 'https://github.example/acme/app/pull/' + n;
  fs.writeFileSync(prFile(head), url + '\\n');
  process.stdout.write('Creating pull request for ' + head + '\\n\\n' + url + '\\n');
  process.exit(0);
}
process.stderr.write('fake gh: unknown command ' + args.join(' ') + '\\n');
process.exit(2);
`;
  const file = path.join(dir, 'gh');
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return {
    dir,
    logIn: () => writeFileSync(path.join(dir, 'logged-in'), ''),
    calls: () => (existsSync(path.join(dir, 'calls.jsonl')) ? readFileSync(path.join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]) : []),
  };
}
