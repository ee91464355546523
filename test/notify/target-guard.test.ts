import { describe, expect, it } from 'vitest';
import { addressClass, checkTarget, postJson, refusedAddress } from '../../src/notify/index.js';
import { startReceiver } from './receiver.js';

const noDns = async (): Promise<string[]> => {
  throw new Error('no DNS in this test');
};

describe('webhook target guard (SSRF)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['224.0.0.1', 'multicast'],
    // NAT64: RFC 6052's well-known prefix and RFC 8215's local-use one, whatever they embed.
    ['64:ff9b::808:808', 'rfc6052'],
    ['64:ff9b:1::808:808', 'rfc6052'],
    ['64:ff9b:1:ffff::a00:1', 'rfc6052'],
    // IPv4-compatible (deprecated), dotted or not: never judged by the IPv4 it embeds.
    ['::8.8.8.8', 'ipv4Compatible'],
    ['::7f00:1', 'ipv4Compatible'],
    ['::169.254.169.254', 'ipv4Compatible'],
    ['0:0:0:0:0:0:a00:1', 'ipv4Compatible'],
  ])('refuses %s (%s) by default', (address, kind) => {
    expect(addressClass(address)).toBe(kind);
    expect(refusedAddress(address, {})).toBe(`${address} is a ${kind} address`);
  });

  it('allows public unicast, and a refused class only when the configuration lists it', () => {
    expect(refusedAddress('93.184.216.34', {})).toBeUndefined();
    expect(refusedAddress('2606:4700::1111', {})).toBeUndefined();
    // Mapped public IPv4 is that IPv4; the ranges beside ::/96 and 64:ff9b:1::/48 stay public.
    expect(refusedAddress('::ffff:8.8.8.8', {})).toBeUndefined();
    expect(refusedAddress('::1:0:0:1', {})).toBeUndefined();
    expect(refusedAddress('64:ff9b:2::1', {})).toBeUndefined();
    expect(refusedAddress('::8.8.8.8', { allow: ['ipv4Compatible'] })).toBeUndefined();
    expect(refusedAddress('127.0.0.1', { allow: ['loopback'] })).toBeUndefined();
    expect(refusedAddress('10.0.0.1', { allow: ['loopback'] })).toBeDefined();
    // Allowing link-local does not open the metadata service inside it.
    expect(refusedAddress('169.254.169.254', { allow: ['linkLocal'] })).toBeDefined();
  });

  it('refuses IP literals, private names, odd schemes and credentials before sending', async () => {
    const refused = async (url: string, resolve = noDns) => {
      const check = await checkTarget(url, {}, resolve);
      return check.ok ? 'ok' : check.reason;
    };
    expect(await refused('http://127.0.0.1:8080/hook')).toMatch(/loopback/);
    expect(await refused('http://[::1]/hook')).toMatch(/loopback/);
    expect(await refused('http://169.254.169.254/latest/meta-data/')).toMatch(/metadata/);
    expect(await refused('http://[fd00:ec2::254]/')).toMatch(/metadata/);
    expect(await refused('http://[::7f00:1]/')).toMatch(/ipv4Compatible/);
    expect(await refused('http://[::127.0.0.1]/')).toMatch(/ipv4Compatible/);
    expect(await refused('http://[64:ff9b:1::a9fe:a9fe]/')).toMatch(/rfc6052/);
    expect(
      await refused('https://hooks.example/', async () => ['93.184.216.34', '::a00:5']),
    ).toMatch(/ipv4Compatible/);
    expect(await refused('http://0.0.0.0/')).toMatch(/unspecified/);
    expect(await refused('http://2130706433/')).toMatch(/loopback/); // 127.0.0.1 as one number
    expect(await refused('file:///etc/passwd')).toMatch(/file: targets are not allowed/);
    expect(await refused('https://user:pw@hooks.example/')).toMatch(/credentials/);
    expect(
      await refused('https://internal.example/', async () => ['93.184.216.34', '10.0.0.5']),
    ).toMatch(/private/);
    expect(await refused('https://hooks.example/', async () => ['93.184.216.34'])).toBe('ok');
  });

  it('refuses loopback at send time unless allowed, and sends when allowed', async () => {
    const receiver = await startReceiver((_, response) => response.end('ok'));
    try {
      const denied = await postJson({ url: receiver.url, body: '{}', policy: {} });
      expect(denied).toMatchObject({ outcome: 'failed' });
      expect(denied.error).toMatch(/loopback/);
      expect(receiver.received).toHaveLength(0);
      const allowed = await postJson({
        url: receiver.url,
        body: '{}',
        policy: { allow: ['loopback'] },
      });
      expect(allowed).toMatchObject({ outcome: 'delivered', status: 200 });
    } finally {
      await receiver.close();
    }
  });

  it('retries a target whose name does not resolve now (DNS down is a network error)', async () => {
    const attempt = await postJson({
      url: 'https://hooks.example/x',
      body: '{}',
      policy: {},
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo EAI_AGAIN hooks.example'), {
          code: 'EAI_AGAIN',
        });
      },
    });
    expect(attempt).toMatchObject({ outcome: 'retry' });
    expect(attempt.error).toMatch(/Cannot resolve hooks.example/);
  });

  it('re-checks at connect time, so a name that rebinds to loopback is refused', async () => {
    const receiver = await startReceiver((_, response) => response.end('ok'));
    try {
      // The up-front check is told "localhost" is public (the first DNS answer of a rebinding
      // attack); the socket's own lookup then gets 127.0.0.1 and must refuse to connect.
      const attempt = await postJson({
        url: `http://localhost:${receiver.port}/hook`,
        body: '{}',
        policy: {},
        resolve: async () => ['93.184.216.34'],
      });
      expect(attempt.outcome).toBe('failed');
      expect(attempt.error).toMatch(/Target localhost refused: .*loopback/);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });
});
