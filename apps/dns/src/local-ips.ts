/** The server's own addresses (CoreDNS kubernetes boundIPs): the listen address, or every interface address when it is a wildcard. */
import { networkInterfaces } from 'node:os';
import { splitHostPort } from '@minimesh/runtime';

export function localIPs(listen: string): string[] {
  const { host } = splitHostPort(listen);
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return [host];
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) out.push(a.address.replace(/%.*$/, ''));
  return out;
}
