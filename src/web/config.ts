import { boolField, parseEnv, positiveIntField, secondsField } from '../common/env.js';

/** The web dashboard's settings. */
export interface WebConfig {
  /** Serve the dashboard at `/` (PIA_WEB, default on). */
  enabled: boolean;
  /** How long a sign-in lasts (PIA_WEB_SESSION_H, default 12 hours). */
  sessionTtlMs: number;
  /** How long a one-time sign-in link can be used (PIA_WEB_LINK_MIN, default 15 minutes). */
  linkTtlMs: number;
  /** Sign-in attempts allowed per address and minute, on each sign-in route (PIA_WEB_SIGNINS_PER_MIN, default 10). */
  signInsPerMinute: number;
}

/** Reads PIA_WEB, PIA_WEB_SESSION_H, PIA_WEB_LINK_MIN and PIA_WEB_SIGNINS_PER_MIN; a bad value names itself. */
export function loadWebConfig(env: NodeJS.ProcessEnv): Readonly<WebConfig> {
  const e = parseEnv(env, {
    PIA_WEB: [boolField, '1'],
    PIA_WEB_SESSION_H: [secondsField, '12'],
    PIA_WEB_LINK_MIN: [secondsField, '15'],
    PIA_WEB_SIGNINS_PER_MIN: [positiveIntField, '10'],
  });
  return Object.freeze({ enabled: e.PIA_WEB, sessionTtlMs: e.PIA_WEB_SESSION_H * 3600_000, linkTtlMs: e.PIA_WEB_LINK_MIN * 60_000, signInsPerMinute: e.PIA_WEB_SIGNINS_PER_MIN });
}
