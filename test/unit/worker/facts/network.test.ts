import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listIPv4Interfaces, networkCidr, parseDefaultGateway, readDefaultGateway } from '../../../../src/worker/facts/network.js';

describe('networkCidr', () => {
  it.each([
    ['192.168.1.23', '255.255.255.0', '192.168.1.0/24'],
    ['10.1.2.3', '255.255.0.0', '10.1.0.0/16'],
    ['10.1.2.3', '255.255.255.255', '10.1.2.3/32'],
    ['10.1.2.3', '0.0.0.0', '0.0.0.0/0'],
    ['192.168.1.200', '255.255.255.128', '192.168.1.128/25'],
    ['192.168.1.100', '255.255.255.128', '192.168.1.0/25'],
    ['172.20.13.77', '255.255.240.0', '172.20.0.0/20'],
    ['255.255.255.254', '255.255.255.252', '255.255.255.252/30'],
    ['127.0.0.1', '255.0.0.0', '127.0.0.0/8'],
  ])('%s %s -> %s', (address, netmask, cidr) => {
    expect(networkCidr(address, netmask)).toBe(cidr);
  });

  it('rejects non-contiguous masks and malformed input', () => {
    expect(() => networkCidr('10.0.0.1', '255.0.255.0')).toThrow(RangeError);
    expect(() => networkCidr('10.0.0.1', '255.255.255.1')).toThrow(/not contiguous/);
    expect(() => networkCidr('10.0.0', '255.0.0.0')).toThrow(/Not an IPv4 address/);
    expect(() => networkCidr('10.0.0.256', '255.0.0.0')).toThrow(RangeError);
    expect(() => networkCidr('10.0.0.1', '0x.0.0.0')).toThrow(/Not an IPv4 netmask/);
  });
});

describe('listIPv4Interfaces', () => {
  it('keeps IPv4 entries only, loopback flagged internal, with network CIDRs', () => {
    const ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {
      lo: [
        { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
        { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 },
      ],
      eth0: [
        { address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: 'aa:bb:cc:dd:ee:ff', internal: false, cidr: '192.168.1.23/24' },
        { address: '10.0.0.130', netmask: '255.255.255.128', family: 'IPv4', mac: 'aa:bb:cc:dd:ee:ff', internal: false, cidr: '10.0.0.130/25' },
      ],
      empty: undefined,
    };
    expect(listIPv4Interfaces(ifaces)).toEqual([
      { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0', cidr: '127.0.0.0/8', mac: '00:00:00:00:00:00', internal: true },
      { name: 'eth0', address: '192.168.1.23', netmask: '255.255.255.0', cidr: '192.168.1.0/24', mac: 'aa:bb:cc:dd:ee:ff', internal: false },
      { name: 'eth0', address: '10.0.0.130', netmask: '255.255.255.128', cidr: '10.0.0.128/25', mac: 'aa:bb:cc:dd:ee:ff', internal: false },
    ]);
  });

  it('reads the live interfaces by default, loopback included', () => {
    const live = listIPv4Interfaces();
    expect(live.some((i) => i.internal && i.cidr === '127.0.0.0/8')).toBe(true);
  });
});

const ROUTE_TEXT = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'wg0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0',
  'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
  'eth0\t00000000\t FE01A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  'eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
  'eth1\t00000000\t0100000A\t0002\t0\t0\t1\t00000000\t0\t0\t0',
  '',
].join('\n');

describe('default gateway', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = '';
  });

  it('picks the up, gatewayed default route with the lowest metric', () => {
    // wg0 has no gateway, eth1 is not up: eth0 (metric 100) beats wlan0 (600).
    expect(parseDefaultGateway(ROUTE_TEXT)).toBe('192.168.1.254');
  });

  it('reads a route file and decodes the little-endian gateway', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pia-route-'));
    const file = path.join(dir, 'route');
    await writeFile(
      file,
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
        'eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n' +
        'eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n',
    );
    expect(await readDefaultGateway(file)).toBe('192.168.1.1');
  });

  it('gives null when there is no default route or no file', async () => {
    expect(parseDefaultGateway('Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n')).toBeNull();
    expect(await readDefaultGateway(path.join(os.tmpdir(), 'pia-no-such-route-file'))).toBeNull();
  });
});
