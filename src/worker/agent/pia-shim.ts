import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../common/version.js';

/** Quotes a path for a POSIX sh script: single quotes, with any single quote closed, escaped and reopened. */
function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes a `pia` command into `<stateDir>/bin` that runs this very installation with this Node, and returns that
 * folder for the front of the agents' PATH: an agent can then type `pia mail m3 "..."` whether or not pia is
 * installed globally. The script only forwards its arguments ("$@"); no task text is ever written into it.
 */
export function writePiaShim(stateDir: string, platform: NodeJS.Platform = process.platform): string {
  const dir = path.join(stateDir, 'bin');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entry = path.join(projectRoot, 'bin', 'pia.js');
  if (platform === 'win32') {
    writeFileSync(path.join(dir, 'pia.cmd'), `@"${process.execPath}" "${entry}" %*\r\n`);
  } else {
    const file = path.join(dir, 'pia');
    writeFileSync(file, `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(entry)} "$@"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}
