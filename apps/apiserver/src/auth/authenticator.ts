/**
 * Who sent a gRPC call, as kube-apiserver's authenticator chain decides it: a client certificate
 * the cluster CA signed (user = subject CN, groups = subject O), else a bearer token from the
 * token file (`authorization: Bearer <token>` metadata), else anonymous when allowed. A token
 * that is present but unknown is refused even when anonymous access is on, as Kubernetes does.
 */
import type { Metadata } from '@grpc/grpc-js';
import { UnauthorizedError } from '@minimesh/api';
import { ANONYMOUS, authenticated, type UserInfo } from './user-info.js';

/** The part of a grpc-js server call the authenticator reads. */
export interface CallCredentials {
  metadata: Metadata;
  getAuthContext?(): { sslPeerCertificate?: { subject?: Record<string, string | string[] | undefined> } };
}

/** Anything that maps a token to its user (a TokenFile, a ReloadingTokenFile). */
export interface TokenLookup {
  lookup(token: string): UserInfo | undefined;
}

export interface AuthenticatorOptions {
  tokens?: TokenLookup;
  anonymous: boolean;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export class Authenticator {
  constructor(private readonly opts: AuthenticatorOptions) {}

  authenticate(call: CallCredentials): UserInfo {
    // getAuthContext gives a certificate only when it verified against the client CA.
    const subject = call.getAuthContext?.().sslPeerCertificate?.subject;
    const cn = asList(subject?.CN)[0];
    if (cn) return authenticated({ name: cn, groups: asList(subject?.O) });

    const header = call.metadata.get('authorization')[0];
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(String(header));
      const user = m ? this.opts.tokens?.lookup(m[1]!) : undefined;
      if (!user) throw new UnauthorizedError();
      return authenticated(user);
    }
    if (this.opts.anonymous) return ANONYMOUS;
    throw new UnauthorizedError();
  }
}
