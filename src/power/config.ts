import { parseEnv, positiveIntField, secondsField, textField, listField } from '../common/env.js';
import { PiaError } from '../common/errors.js';
import { DEFAULT_PROBE_PORTS } from './probe.js';
import { DEFAULT_WOL_TARGETS, parseWolTargets, type WolTarget } from '../wol/wol-targets.js';

/** The power manager's settings. */
export interface PowerConfig {
  wolTargets: WolTarget[];
  burstCount: number;
  burstIntervalMs: number;
  probePorts: number[];
  probeTimeoutMs: number;
  probeIntervalS: number;
  probeConcurrency: number;
  wakePollS: number;
  wakeTimeoutS: number;
  /** After a machine is awake, how long to let its worker link by itself before starting it over SSH. */
  bootstrapAfterS: number;
  sshKeyFile: string | undefined;
  sshUser: string | undefined;
}

/** Reads the power variables; a bad one names itself. */
export function loadPowerConfig(env: NodeJS.ProcessEnv): Readonly<PowerConfig> {
  const e = parseEnv(env, {
    PIA_WOL_TARGETS: [textField, DEFAULT_WOL_TARGETS],
    PIA_WOL_BURST: [positiveIntField, '3'],
    PIA_WOL_INTERVAL_MS: [positiveIntField, '100'],
    PIA_PROBE_PORTS: [listField, DEFAULT_PROBE_PORTS.join(',')],
    PIA_PROBE_TIMEOUT_MS: [positiveIntField, '1500'],
    PIA_PROBE_INTERVAL_S: [secondsField, '30'],
    PIA_PROBE_CONCURRENCY: [positiveIntField, '256'],
    PIA_WAKE_POLL_S: [secondsField, '1'],
    PIA_WAKE_TIMEOUT_S: [secondsField, '120'],
    PIA_BOOTSTRAP_AFTER_S: [secondsField, '20'],
    PIA_SSH_KEY: [textField, undefined],
    PIA_SSH_USER: [textField, undefined],
  });
  const ports = e.PIA_PROBE_PORTS.map(Number);
  if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new PiaError('config_invalid', `PIA_PROBE_PORTS must be a comma-separated list of TCP ports, got '${env.PIA_PROBE_PORTS}'`);
  }
  return Object.freeze({
    wolTargets: parseWolTargets(e.PIA_WOL_TARGETS),
    burstCount: e.PIA_WOL_BURST,
    burstIntervalMs: e.PIA_WOL_INTERVAL_MS,
    probePorts: ports,
    probeTimeoutMs: e.PIA_PROBE_TIMEOUT_MS,
    probeIntervalS: e.PIA_PROBE_INTERVAL_S,
    probeConcurrency: e.PIA_PROBE_CONCURRENCY,
    wakePollS: e.PIA_WAKE_POLL_S,
    wakeTimeoutS: e.PIA_WAKE_TIMEOUT_S,
    bootstrapAfterS: e.PIA_BOOTSTRAP_AFTER_S,
    sshKeyFile: e.PIA_SSH_KEY,
    sshUser: e.PIA_SSH_USER,
  });
}
