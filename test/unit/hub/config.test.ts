import { describe, expect, it } from 'vitest';
import { loadHubConfig } from '../../../src/hub/config.js';

describe('hub config', () => {
  it('has the documented defaults', () => {
    const c = loadHubConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 3000, heartbeatS: 15, offlineAfterS: 90, joinTokenTtlH: 24, localWorker: true, localWorkerName: 'local' });
    expect(c).toMatchObject({ outputKeepDays: 90, outputMaxBytes: 10e9 });
    expect(loadHubConfig({ PIA_OUTPUT_KEEP_DAYS: '0', PIA_OUTPUT_MAX_GB: '0.5' })).toMatchObject({ outputKeepDays: 0, outputMaxBytes: 5e8 });
    expect(c.dataDir).toMatch(/[/\\]data$/);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{ PIA_PORT: 'abc' }, "PIA_PORT must be a port number (0-65535), got 'abc'"],
    [{ PIA_PORT: '70000' }, "PIA_PORT must be a port number (0-65535), got '70000'"],
    [{ PIA_HEARTBEAT_S: '-1' }, "PIA_HEARTBEAT_S must be a positive number of seconds, got '-1'"],
    [{ PIA_LOCAL_WORKER: 'maybe' }, "PIA_LOCAL_WORKER must be one of 1, 0, true, false, yes, no, on, off, got 'maybe'"],
    [{ PIA_LOG_LEVEL: 'loud' }, "PIA_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'"],
    [{ PIA_TLS_CERT: 'cert.pem' }, 'PIA_TLS_CERT and PIA_TLS_KEY must be set together (paths to a PEM certificate and its key)'],
    [{ PIA_HEARTBEAT_S: '30', PIA_OFFLINE_AFTER_S: '20' }, "PIA_OFFLINE_AFTER_S must be longer than PIA_HEARTBEAT_S (30), got '20'"],
    [{ PIA_LOCAL_WORKER_NAME: 'My Laptop' }, "PIA_LOCAL_WORKER_NAME must be a machine name (a-z, 0-9, -), got 'My Laptop'"],
    [{ PIA_ADMIN_TOKEN: 'short' }, 'PIA_ADMIN_TOKEN must be at least 16 characters, got a shorter one'],
    [{ PIA_OUTPUT_MAX_GB: '-1' }, "PIA_OUTPUT_MAX_GB must be a number, 0 or more, got '-1'"],
    [{ PIA_OUTPUT_KEEP_DAYS: 'forever' }, "PIA_OUTPUT_KEEP_DAYS must be a number, 0 or more, got 'forever'"],
  ])('%o is refused with one line naming it', (env, message) => {
    expect(() => loadHubConfig(env)).toThrow(message);
  });

  it('treats an empty variable as unset', () => {
    expect(loadHubConfig({ PIA_PORT: '' }).port).toBe(3000);
    expect(loadHubConfig({ PIA_LOCAL_WORKER: 'off' }).localWorker).toBe(false);
  });
});
