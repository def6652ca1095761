/**
 * How a NATS client proves who it is and checks the server: a user and its password (given, or
 * read from a file at each connect, so a rotated password is picked up), and a CA for TLS. The
 * apiserver (the one publisher) and the informers (subscribers) connect the same way; what each
 * user may do is the server's authorization block.
 */
import { readFileSync } from 'node:fs';

export interface NatsAuth {
  user?: string;
  password?: string;
  passwordFile?: string;
  /** CA that verifies the server's certificate: the connection speaks TLS. */
  caFile?: string;
}

/** The nats.js connect options for `auth`. */
export function natsAuthOptions(auth: NatsAuth = {}): { user?: string; pass?: string; tls?: { caFile: string } } {
  const out: { user?: string; pass?: string; tls?: { caFile: string } } = {};
  if (auth.user) out.user = auth.user;
  const pass = auth.passwordFile ? readFileSync(auth.passwordFile, 'utf8').trim() : auth.password;
  if (pass) out.pass = pass;
  if (auth.caFile) out.tls = { caFile: auth.caFile };
  return out;
}
