import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PiaError } from '../../common/errors.js';

const exec = promisify(execFile);

/** A hub's data dir found on this host, and who owns its database. */
export interface HubData {
  dir: string;
  ownerUid: number | null;
  owner: string;
}

/** A user account name a service file can carry: letters, digits, `._-` (and `\` or `@` for Windows domains). */
export function checkUserName(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._@\\-]{0,63}$/.test(name)) {
    throw new PiaError('service_user_invalid', `"${name.slice(0, 64)}" is not a user name (letters, digits, ".", "_", "-"; not starting with "-")`);
  }
  return name;
}

/** An account the worker service runs as: its uid (null on Windows) and home. */
export interface ServiceAccount {
  name: string;
  uid: number | null;
  home: string;
}

/**
 * Looks up a local account the way the OS's service manager will (getent on Linux, Directory Services on macOS); on
 * Windows the profile folder beside the current user's is assumed. An unknown name is a PiaError that says what to do.
 */
export async function lookupUser(name: string, platform: NodeJS.Platform = process.platform): Promise<ServiceAccount> {
  checkUserName(name);
  const unknown = () =>
    new PiaError('service_user_unknown', `There is no user "${name}" on this machine; create one for the worker first (e.g. sudo useradd --create-home ${name}), then install again`);
  if (platform === 'win32') return { name, uid: null, home: path.win32.join(path.win32.dirname(os.homedir()), name) };
  try {
    if (platform === 'darwin') {
      const { stdout } = await exec('dscl', ['.', '-read', `/Users/${name}`, 'UniqueID', 'NFSHomeDirectory']);
      const uid = /^UniqueID:\s*(\d+)/m.exec(stdout)?.[1];
      const home = /^NFSHomeDirectory:\s*(.+)$/m.exec(stdout)?.[1]?.trim();
      if (uid === undefined || !home) throw unknown();
      return { name, uid: Number(uid), home };
    }
    const { stdout } = await exec('getent', ['passwd', name]);
    const fields = stdout.trim().split(':');
    if (fields.length < 7 || !/^\d+$/.test(fields[2]!)) throw unknown();
    return { name, uid: Number(fields[2]), home: fields[5]! };
  } catch (err) {
    if (err instanceof PiaError) throw err;
    throw unknown();
  }
}

/** The folders where this host's hub keeps its data, as `pia start` there would: PIA_DATA_DIR, else ./data. */
export function hubDataCandidates(env: NodeJS.ProcessEnv, cwd: string): string[] {
  return [env.PIA_DATA_DIR?.trim() || 'data'].map((d) => path.resolve(cwd, d));
}

/** Those of `dirs` that hold a hub database (`pia.db`), each once, with the database's owner. */
export function findHubData(dirs: string[]): HubData[] {
  const found: HubData[] = [];
  for (const dir of new Set(dirs)) {
    try {
      const st = statSync(path.join(dir, 'pia.db'));
      const ownerUid = process.platform === 'win32' ? null : st.uid;
      found.push({ dir, ownerUid, owner: ownerName(ownerUid) });
    } catch {
      // no hub here
    }
  }
  return found;
}

function ownerName(uid: number | null): string {
  if (uid === null || uid === process.getuid?.()) {
    try {
      return os.userInfo().username;
    } catch {
      return String(uid ?? 'you');
    }
  }
  return `uid ${uid}`;
}

/**
 * Refuses a worker service that would run as the user who owns this host's hub data: its agents (anyone allowed to
 * run tasks on it) could read the hub's admin token, database and SSH key. `--same-user` accepts that; `--user`
 * picks another account. Where there are no uids (Windows), any hub found counts unless another user is named.
 */
export function checkServiceUser(opts: { hubData: HubData[]; runAsUid: number | null; runAs: string; sameUser: boolean; userGiven: boolean }): void {
  if (opts.sameUser && opts.userGiven) {
    throw new PiaError('service_user_conflict', '--same-user and --user contradict each other: --user <name> runs the worker as that user, --same-user as you');
  }
  if (opts.sameUser) return;
  const shared = opts.hubData.find((h) => (h.ownerUid === null || opts.runAsUid === null ? !opts.userGiven : h.ownerUid === opts.runAsUid));
  if (!shared) return;
  throw new PiaError(
    'service_same_user',
    `This host has a PIA hub (its data in ${shared.dir}, owned by ${shared.owner}), and this worker would run as ${opts.runAs} too: its agents could read the hub's admin token, database and SSH key. ` +
      'Install it for another user with --user <name> (as root), or add --same-user to accept that.',
  );
}

/** The first folder above `file` that other users cannot enter (no o+x), if any: a service user could not run it. */
export function closedAncestor(file: string): string | undefined {
  if (process.platform === 'win32') return undefined;
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return dir;
    } catch {
      return undefined;
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
