import { describe, expect, it } from 'vitest';
import { inCidr, learnedMac } from '../../../src/wol/learned-mac.js';

const nic = (name: string, address: string, cidr: string, mac: string, internal = false) => ({ name, address, netmask: '', cidr, mac, internal });

describe('the MAC learned from a worker', () => {
  it('is the interface on the default route, however many there are', () => {
    const facts = {
      gateway: '192.168.1.1',
      interfaces: [nic('lo', '127.0.0.1', '127.0.0.0/8', '00:00:00:00:00:00', true), nic('docker0', '172.17.0.1', '172.17.0.0/16', '02:42:ac:11:00:01'), nic('eno1', '192.168.1.20', '192.168.1.0/24', 'AA:BB:CC:DD:EE:01')],
    };
    expect(learnedMac(facts)).toEqual({ mac: 'aa:bb:cc:dd:ee:01', interface: 'eno1' });
  });

  it('is the only usable interface when the gateway is unknown; none when it cannot tell or never heard', () => {
    expect(learnedMac({ gateway: null, interfaces: [nic('eth0', '10.0.0.5', '10.0.0.0/24', '02:00:00:00:00:05')] })).toEqual({ mac: '02:00:00:00:00:05', interface: 'eth0' });
    expect(learnedMac({ gateway: null, interfaces: [nic('a', '10.0.0.5', '10.0.0.0/24', '02:00:00:00:00:05'), nic('b', '10.1.0.5', '10.1.0.0/24', '02:00:00:00:00:06')] })).toBeUndefined();
    expect(learnedMac({ gateway: '10.9.9.1', interfaces: [nic('tun0', '10.8.0.2', '10.8.0.0/24', '00:00:00:00:00:00')] })).toBeUndefined();
    expect(learnedMac(null)).toBeUndefined();
  });

  it('reads CIDRs exactly', () => {
    expect(inCidr('192.168.1.1', '192.168.1.0/24')).toBe(true);
    expect(inCidr('192.168.2.1', '192.168.1.0/24')).toBe(false);
    expect(inCidr('10.200.3.4', '10.0.0.0/8')).toBe(true);
    expect(inCidr('1.2.3.4', '0.0.0.0/0')).toBe(true);
    expect(inCidr('not an ip', '10.0.0.0/8')).toBe(false);
    expect(inCidr('10.0.0.1', '10.0.0.0/33')).toBe(false);
  });
});
