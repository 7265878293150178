import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
import { PiaError } from '../../common/errors.js';

/**
 * Helpers for files the worker writes into a checkout or workspace, whose content belongs to whoever wrote the
 * repository: a name there may be a symbolic link to any file the worker's user can write (`~/.ssh/authorized_keys`).
 * Nothing here follows a link at the last path component; a link is replaced, never written through.
 */

// Not defined on Windows, where a plain open does not follow symbolic links the same way.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** The entry at `file` itself (a link is reported as a link), or undefined when there is none. */
export function entryAt(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Replaces `file` with `text` without following a link there: writes a fresh file (O_CREAT|O_EXCL|O_NOFOLLOW) beside
 * it and renames it over the old entry, which swaps a symbolic link for a plain file and leaves its target alone.
 * Anything else by that name (a directory, a socket) is refused with `blocked`'s message.
 */
export function replaceFile(file: string, text: string, blocked: (file: string) => string): void {
  const existing = entryAt(file);
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) throw new PiaError('workspace_file_blocked', blocked(file));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.pia-tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The text of `file` if it is a plain file (read without following a link), '' if there is none, else undefined. */
export function readPlainFile(file: string): string | undefined {
  const existing = entryAt(file);
  if (!existing) return '';
  if (!existing.isFile()) return undefined;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | NOFOLLOW);
  } catch (err) {
    // Swapped for a link since the lstat: treat it as the link it now is.
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw err;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : undefined;
  } finally {
    closeSync(fd);
  }
}
