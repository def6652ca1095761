/**
 * nats-server's configuration for a cluster: TLS with a certificate from the cluster CA, and
 * authorization with one user per component (the token holders' names). Only the apiserver may
 * publish on the event subjects and manage the stream; every other user may only read it:
 * stream info and single-message reads, its own consumers and their messages, replies on
 * `_INBOX.>`. (nats-server 2.9 permissions: https://docs.nats.io/running-a-nats-service/configuration/securing_nats/authorization)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate, type KeyPair } from '@minimesh/runtime';
import { pkiDir, tokenHolders } from './identities.js';
import type { StateLayout } from './state.js';

export const EVENT_STREAM = 'MINIMESH_EVENTS';
export const NATS_PUBLISHER = 'apiserver';

/** The file holding the NATS password of `user` (a token holder's name, or `apiserver`). */
export function natsPasswordFile(layout: StateLayout, user: string): string {
  return join(pkiDir(layout), 'nats', `${user}.password`);
}

export function natsConfigFile(layout: StateLayout): string {
  return join(pkiDir(layout), 'nats', 'nats-server.conf');
}

const quote = (s: string) => JSON.stringify(s);

/** What a subscriber may publish: the JetStream API requests an ordered consumer makes, nothing else. */
export function readerPermissions(stream: string): { publish: string[]; subscribe: string[] } {
  return {
    publish: [
      '$JS.API.INFO',
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.STREAM.MSG.GET.${stream}`,
      `$JS.API.CONSUMER.CREATE.${stream}`,
      `$JS.API.CONSUMER.CREATE.${stream}.>`,
      `$JS.API.CONSUMER.INFO.${stream}.>`,
      `$JS.API.CONSUMER.DELETE.${stream}.>`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
      '$JS.FC.>',
    ],
    subscribe: ['_INBOX.>'],
  };
}

/** Writes the server's certificate, the passwords and the configuration; returns the config file. */
export function writeNatsConfig(layout: StateLayout, ca: KeyPair, port: number, nodes: string[]): string {
  const dir = join(pkiDir(layout), 'nats');
  const cert = issueCertificate(ca, dir, { name: 'nats-server', commonName: 'nats-server', dnsNames: ['localhost'], ips: ['127.0.0.1'], usage: 'server' });
  const password = (user: string) => {
    const file = natsPasswordFile(layout, user);
    if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
    return readFileSync(file, 'utf8').trim();
  };
  const reader = readerPermissions(EVENT_STREAM);
  const list = (xs: string[]) => `[${xs.map(quote).join(', ')}]`;
  const users = [
    `    { user: ${quote(NATS_PUBLISHER)}, password: ${quote(password(NATS_PUBLISHER))}, permissions: { publish: { allow: ["minimesh.v1.events.>", "$JS.API.>"] }, subscribe: { allow: ["_INBOX.>"] } } }`,
    ...[...tokenHolders(nodes).keys()].map((u) => `    { user: ${quote(u)}, password: ${quote(password(u))}, permissions: $READER }`),
  ];
  const conf = [
    '# written by minimesh-cluster',
    `listen: "127.0.0.1:${port}"`,
    `jetstream { store_dir: ${quote(layout.natsDir)} }`,
    `tls { cert_file: ${quote(cert.certFile)}, key_file: ${quote(cert.keyFile)}, ca_file: ${quote(ca.certFile)}, timeout: 2 }`,
    `READER = { publish: { allow: ${list(reader.publish)}, deny: ["minimesh.v1.events.>"] }, subscribe: { allow: ${list(reader.subscribe)} } }`,
    'authorization {',
    '  users = [',
    users.join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
  const file = natsConfigFile(layout);
  writeFileSync(file, conf, { mode: 0o600 });
  return file;
}
