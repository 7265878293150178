import os from 'node:os';
import path from 'node:path';
import { PiaError } from '../../common/errors.js';
import { planService, type InstallServiceDeps, type ServicePlan } from './install.js';
import { checkServiceUser, closedAncestor, findHubData, hubDataCandidates, lookupUser } from './service-user.js';

/** What `pia worker install-service` was asked. */
export interface ServiceRequest {
  hubUrl: string;
  /** --state-dir (absolute), if given. */
  stateDir: string | undefined;
  /** The installing user's default state dir, for a service that runs as that user. */
  defaultStateDir: string;
  user?: string;
  sameUser?: boolean;
  dryRun?: boolean;
}

/** Where the installer runs: this process, unless a test says otherwise. */
export interface ServiceHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The PIA checkout or package (bin/pia.js is under it). */
  root: string;
  execPath: string;
}

/**
 * Works out what to install and checks it may be installed: the account it runs as (`--user`, else the installing
 * user), that this is not the owner of this host's hub data unless `--same-user` says so, and that a system-level
 * install runs as root. Returns the service spec, its plan, and notes for the operator.
 */
export async function prepareServiceInstall(req: ServiceRequest, host: ServiceHost): Promise<{ spec: Omit<InstallServiceDeps, 'writeFile' | 'run'>; plan: ServicePlan; notes: string[] }> {
  const account = req.user ? await lookupUser(req.user, host.platform) : undefined;
  const myUid = process.getuid?.() ?? null;
  checkServiceUser({
    hubData: findHubData(hubDataCandidates(host.env, host.cwd)),
    runAsUid: account ? account.uid : myUid,
    runAs: account?.name ?? currentUserName(),
    sameUser: req.sameUser === true,
    userGiven: account !== undefined,
  });
  const cliPath = path.join(host.root, 'bin', 'pia.js');
  const spec: Omit<InstallServiceDeps, 'writeFile' | 'run'> = {
    platform: host.platform,
    home: account?.home ?? os.homedir(),
    uid: account?.uid ?? myUid ?? 0,
    ...(account ? { user: account.name } : {}),
    execPath: host.execPath,
    cliPath,
    hubUrl: req.hubUrl,
    stateDir: req.stateDir ?? (account ? path.join(account.home, '.local', 'state', 'pia-worker') : req.defaultStateDir),
    // Services start with a minimal PATH; keep this one so the worker finds the coding agents.
    ...(host.platform !== 'win32' ? { env: { PATH: host.env.PATH ?? '' } } : {}),
  };
  const plan = planService(spec);
  if (account && !req.dryRun && host.platform !== 'win32' && myUid !== 0) {
    throw new PiaError('service_needs_root', `Installing the worker to run as ${account.name} writes ${plan.file}: run the same command as root (sudo), or add --dry-run to see what it would do`);
  }
  const notes: string[] = [];
  const closed = account ? closedAncestor(cliPath) : undefined;
  if (closed) notes.push(`Note: other users cannot enter ${closed}, so ${account!.name} cannot run ${cliPath}; put PIA where they can read it (npm install -g, or a checkout outside your home).`);
  if (account && spec.env?.PATH) notes.push(`Note: the worker finds agents on this PATH: ${spec.env.PATH}`);
  return { spec, plan, notes };
}

function currentUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'you';
  }
}
