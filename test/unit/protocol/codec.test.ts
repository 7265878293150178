import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../../src/protocol/close-codes.js';
import { clip, decodeHubMessage, decodeWorkerMessage } from '../../../src/protocol/codec.js';
import { sampleFacts } from '../../helpers/raw-link.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';

describe('wire codec', () => {
  it('accepts a well-formed hello and heartbeat', () => {
    const hello = { type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'join', token: 'pia_j_x', name: 'm2' }, facts: sampleFacts() };
    expect(decodeWorkerMessage(JSON.stringify(hello))).toEqual({ ok: true, message: { ...hello, maxTasks: 2, ledger: [] } });
    expect(decodeWorkerMessage('{"type":"heartbeat","at":5}')).toEqual({ ok: true, message: { type: 'heartbeat', at: 5 } });
  });

  it.each([
    ['not json', CloseCode.invalidJson],
    ['null', CloseCode.invalidMessage],
    ['"hello"', CloseCode.invalidMessage],
    ['{}', CloseCode.unknownType],
    ['{"type":"__proto__"}', CloseCode.unknownType],
    ['{"type":"welcome","protocol":2,"machine":"a","heartbeatS":1}', CloseCode.unknownType],
    ['{"type":"hello","protocol":1}', CloseCode.unsupportedVersion],
    ['{"type":"hello"}', CloseCode.unsupportedVersion],
    ['{"type":"hello","protocol":2,"auth":{"kind":"password","password":"x"},"facts":{}}', CloseCode.invalidMessage],
    ['{"type":"heartbeat","at":-1}', CloseCode.invalidMessage],
  ])('refuses %s with close code %i', (frame, code) => {
    const decoded = decodeWorkerMessage(frame);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.code).toBe(code);
  });

  it('rejects a hello whose machine name could be hostile', () => {
    const hello = { type: 'hello', protocol: PROTOCOL_VERSION, auth: { kind: 'join', token: 't', name: '$(rm -rf ~)' }, facts: sampleFacts() };
    const decoded = decodeWorkerMessage(JSON.stringify(hello));
    expect(decoded).toMatchObject({ ok: false, code: CloseCode.invalidMessage, reason: expect.stringMatching(/^invalid hello: auth\.name/) });
  });

  it('decodes what the hub sends', () => {
    expect(decodeHubMessage('{"type":"welcome","protocol":2,"machine":"m2","heartbeatS":15}').ok).toBe(true);
    expect(decodeHubMessage('{"type":"hello"}')).toMatchObject({ ok: false, code: CloseCode.unknownType });
  });

  it('takes an acknowledgement of one or many tasks, and refuses an empty one or one of more than 1,000', () => {
    const acks = (n: number) => JSON.stringify({ type: 'output.ack', acks: Array.from({ length: n }, (_, i) => ({ taskId: `task${String(i).padStart(5, '0')}`, seq: i })) });
    expect(decodeHubMessage(acks(1))).toMatchObject({ ok: true, message: { acks: [{ taskId: 'task00000', seq: 0 }] } });
    expect(decodeHubMessage(acks(1000)).ok).toBe(true);
    expect(decodeHubMessage(acks(0))).toMatchObject({ ok: false, code: CloseCode.invalidMessage });
    expect(decodeHubMessage(acks(1001))).toMatchObject({ ok: false, code: CloseCode.invalidMessage });
    expect(decodeHubMessage('{"type":"output.ack","taskId":"task00001","seq":1}')).toMatchObject({ ok: false, code: CloseCode.invalidMessage });
  });

  it('keeps close reasons within the 123 bytes a close frame allows, even in multi-byte text', () => {
    const reason = clip('ü'.repeat(200));
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason.endsWith('...')).toBe(true);
    expect(reason).not.toContain('\uFFFD');
  });
});
