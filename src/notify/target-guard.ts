/**
 * Where webhooks and Slack messages may be sent. A URL an admin types could point inside the
 * network (a metadata service, a database's HTTP port, localhost), so every address a target
 * resolves to must be public unicast unless the configuration allows its class. The check runs
 * when a target is configured, before each delivery, and again inside the socket's DNS lookup,
 * so a name that resolves to a public address first and a private one at connect time (DNS
 * rebinding) is still refused.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIPv6, type LookupFunction, SocketAddress } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Address classes of ipaddr.js (`range()`: `loopback`, `private`, `uniqueLocal`, `linkLocal`,
 * `carrierGradeNat`, `unspecified`, `multicast`, `reserved`, `rfc6052`, …), plus `metadata` for
 * cloud instance-metadata services and `ipv4Compatible` for the deprecated `::a.b.c.d` form
 * (RFC 4291 §2.5.5.1). Only `unicast` (public) is allowed unless a class is listed in
 * `TargetPolicy.allow`.
 */
export type AddressClass =
  | ReturnType<ipaddr.IPv4['range']>
  | ReturnType<ipaddr.IPv6['range']>
  | 'metadata'
  | 'ipv4Compatible';

export interface TargetPolicy {
  /** Classes allowed besides public unicast, e.g. `['loopback']` in tests. */
  allow?: readonly AddressClass[];
}

/** AWS/GCP/Azure/OpenStack (169.254.169.254), AWS IPv6, ECS task metadata, Alibaba Cloud. */
const metadataAddresses = ['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '100.100.100.200'];

/** RFC 8215's local-use NAT64 prefix: classed with RFC 6052's well-known one, whatever ipaddr.js knows. */
const localNat64 = new BlockList();
localNat64.addSubnet('64:ff9b:1::', 48, 'ipv6');
/** `::/96` holds the deprecated IPv4-compatible addresses (and `::`, `::1`, classed as such). */
const ipv4CompatibleRange = new BlockList();
ipv4CompatibleRange.addSubnet('::', 96, 'ipv6');

/**
 * Transition forms that ipaddr.js classes as public or as the IPv4 they embed: it parses
 * `::1.2.3.4` as `::ffff:1.2.3.4`, so an IPv4-compatible address would be judged by its public
 * IPv4 (and `::7f00:1`, 127.0.0.1 embedded, as plain unicast). Node's own parser, the one the
 * socket connects with, reads the address here.
 */
function transitionClass(address: string): AddressClass | undefined {
  if (!isIPv6(address) || address.includes('%')) return undefined;
  if (localNat64.check(address, 'ipv6')) return 'rfc6052';
  if (!ipv4CompatibleRange.check(address, 'ipv6')) return undefined;
  const canonical = new SocketAddress({ address, family: 'ipv6' }).address;
  return canonical === '::' || canonical === '::1' ? undefined : 'ipv4Compatible';
}

/** The class of an address; IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is classed as its IPv4. */
export function addressClass(address: string): AddressClass {
  const transition = transitionClass(address);
  if (transition !== undefined) return transition;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const normal = parsed.toNormalizedString();
  if (metadataAddresses.some((meta) => ipaddr.parse(meta).toNormalizedString() === normal)) {
    return 'metadata';
  }
  return parsed.range();
}

/** Why an address may not be reached under `policy`, or undefined when it may. */
export function refusedAddress(address: string, policy: TargetPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  const kind = addressClass(address);
  if (kind === 'unicast' || policy.allow?.includes(kind)) return undefined;
  return `${address} is a ${kind} address`;
}

/**
 * `unresolved`: the name did not resolve now (DNS down or the name unknown), which a later attempt
 * may get past, unlike an address the policy refuses.
 */
export type TargetCheck = { ok: true; url: URL } | { ok: false; reason: string; unresolved?: true };

export type Resolve = (hostname: string) => Promise<string[]>;

/** All addresses of a name, as the operating system's resolver (and so Node's sockets) sees them. */
export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((entry) => entry.address));
    });
  });

function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Checks a target URL: http(s), no credentials in it, and every address it resolves to allowed. */
export async function checkTarget(
  target: string,
  policy: TargetPolicy,
  resolve: Resolve = systemResolve,
): Promise<TargetCheck> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { ok: false, reason: `"${target}" is not a URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `${url.protocol} targets are not allowed; use https` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'Target URLs must not carry credentials' };
  }
  const host = bareHost(url);
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : await resolve(host);
  } catch (error) {
    return {
      ok: false,
      reason: `Cannot resolve ${host}: ${(error as Error).message}`,
      unresolved: true,
    };
  }
  if (addresses.length === 0)
    return { ok: false, reason: `${host} resolves to no address`, unresolved: true };
  for (const address of addresses) {
    const refused = refusedAddress(address, policy);
    if (refused !== undefined) return { ok: false, reason: `Target ${host} refused: ${refused}` };
  }
  return { ok: true, url };
}

/** Raised inside the socket lookup; the sender reports it as a refused target, never retried. */
export class RefusedTargetError extends Error {
  override readonly name = 'RefusedTargetError';
}

/**
 * A `lookup` for `http.request` that resolves as Node would and refuses the connection when any
 * address is not allowed: the check at connect time that DNS rebinding cannot slip past.
 */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const entry of addresses) {
        const refused = refusedAddress(entry.address, policy);
        if (refused !== undefined) {
          return callback(new RefusedTargetError(`Target ${hostname} refused: ${refused}`), '', 0);
        }
      }
      const first = addresses[0];
      if (first === undefined)
        return callback(new Error(`${hostname} resolves to no address`), '', 0);
      // Node's net asks for all addresses when it races IPv4 and IPv6 (autoSelectFamily).
      if (options.all === true) {
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      }
      return callback(null, first.address, first.family);
    });
  };
}
