/**
 * An HTTPS request seen as the authenticator and authorizer see a gRPC call: the bearer token
 * from the Authorization header, the client certificate when it verified against the client CA,
 * and the peer address.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Metadata } from '@grpc/grpc-js';
import type { CallContext } from '@minimesh/grpc-kit';

export function callerOf(req: IncomingMessage): CallContext {
  const metadata = new Metadata();
  const auth = req.headers.authorization;
  if (auth !== undefined) metadata.set('authorization', auth);
  const socket = req.socket as Partial<TLSSocket>;
  return {
    metadata,
    getPeer: () => `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`,
    getAuthContext: () => {
      if (!socket.authorized || !socket.getPeerCertificate) return {};
      const cert = socket.getPeerCertificate();
      return { sslPeerCertificate: cert && cert.subject ? cert : undefined };
    },
  } as unknown as CallContext;
}
