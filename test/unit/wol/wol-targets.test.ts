import { describe, expect, it } from 'vitest';
import { PiaError } from '../../../src/common/errors.js';
import {
  DEFAULT_WOL_TARGETS,
  directedBroadcast,
  formatWolTarget,
  parseWolTargets,
  planWolTargets,
} from '../../../src/wol/wol-targets.js';

// Pure computation only: nothing in this file sends a packet.
describe('WoL target lists', () => {
  it('parses IPv4, bracketed IPv6 and host names', () => {
    expect(parseWolTargets(' 192.168.1.255:9, [fd00::1]:7,nas.lan:9 ,router:65535,')).toEqual([
      { host: '192.168.1.255', port: 9 },
      { host: 'fd00::1', port: 7 },
      { host: 'nas.lan', port: 9 },
      { host: 'router', port: 65535 },
    ]);
    expect(parseWolTargets('')).toEqual([]);
  });

  it('parses the default', () => {
    expect(parseWolTargets(DEFAULT_WOL_TARGETS)).toEqual([
      { host: '255.255.255.255', port: 9 },
      { host: '255.255.255.255', port: 7 },
    ]);
  });

  it.each(['10.0.0.1', '10.0.0.1:0', '10.0.0.1:65536', '10.0.0.1:nine', 'fd00::1:9', '[10.0.0.1]:9', '300.1.1.1:9', 'bad_host:9', ':9', '[fd00::1]'])(
    'refuses %j, naming the setting and the item',
    (item) => {
      let error: unknown;
      try {
        parseWolTargets(`10.0.0.255:9,${item}`, 'machine "nas" WoL targets');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PiaError);
      expect((error as PiaError).code).toBe('wol_target_invalid');
      expect((error as PiaError).message).toContain(`machine "nas" WoL targets has a bad item "${item}"`);
      expect((error as PiaError).message).toMatch(/host:port with a port from 1 to 65535/);
    },
  );

  it('names PIA_WOL_TARGETS by default', () => {
    expect(() => parseWolTargets('nope')).toThrow(/^PIA_WOL_TARGETS has a bad item "nope"/);
  });

  it('formats targets so they parse again', () => {
    const targets = [{ host: 'fd00::1', port: 9 }, { host: '10.0.0.255', port: 7 }, { host: 'nas.lan', port: 9 }];
    const text = targets.map(formatWolTarget).join(',');
    expect(text).toBe('[fd00::1]:9,10.0.0.255:7,nas.lan:9');
    expect(parseWolTargets(text)).toEqual(targets);
  });
});

describe('directed broadcast', () => {
  it.each([
    ['192.168.1.0/24', '192.168.1.255'],
    ['192.168.1.23/24', '192.168.1.255'],
    ['10.1.2.3/8', '10.255.255.255'],
    ['172.16.5.4/20', '172.16.15.255'],
    ['192.168.1.4/30', '192.168.1.7'],
    ['0.0.0.0/0', '255.255.255.255'],
  ])('%s -> %s', (cidr, broadcast) => {
    expect(directedBroadcast(cidr)).toBe(broadcast);
  });

  it.each(['192.168.1.0/31', '192.168.1.1/32', 'fd00::/64', '192.168.1.0', '192.168.1.0/33', '999.1.1.1/24', 'x'])('%s has none', (cidr) => {
    expect(directedBroadcast(cidr)).toBeNull();
  });
});

describe('planning where to send', () => {
  const hubTargets = parseWolTargets(DEFAULT_WOL_TARGETS);

  it('uses a machine\'s own targets exactly', () => {
    const machineTargets = [{ host: '10.9.9.255', port: 4000 }];
    expect(planWolTargets({ machineTargets, hubTargets, networks: ['192.168.1.0/24'], lastIp: '192.168.1.5' })).toEqual(machineTargets);
  });

  it('otherwise: hub defaults, then each network\'s broadcast, then the last IP, on every port, without repeats', () => {
    const plan = planWolTargets({
      machineTargets: [],
      hubTargets,
      networks: ['192.168.1.23/24', '10.0.0.7/31', '192.168.1.40/24', 'fd00::5/64', '172.16.0.9/16'],
      lastIp: '192.168.1.23',
    });
    expect(plan.map(formatWolTarget)).toEqual([
      '255.255.255.255:9',
      '255.255.255.255:7',
      '192.168.1.255:9',
      '192.168.1.255:7',
      '172.16.255.255:9',
      '172.16.255.255:7',
      '192.168.1.23:9',
      '192.168.1.23:7',
    ]);
  });

  it('takes other ports, and works with nothing known but the hub defaults', () => {
    expect(planWolTargets({ hubTargets, networks: ['10.0.0.0/24'], ports: [9] }).map(formatWolTarget)).toEqual([
      '255.255.255.255:9',
      '255.255.255.255:7',
      '10.0.0.255:9',
    ]);
    expect(planWolTargets({ hubTargets, networks: [] })).toEqual(hubTargets);
  });
});
