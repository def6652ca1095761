/**
 * Server reflection (grpc.reflection.v1 and v1alpha), so `grpcurl -plaintext HOST:PORT list`
 * works. It is built from the same .proto files the code is generated from: the repository's
 * proto/ folder (no well-known types are used, which keeps grpcurl happy).
 */
import { fileURLToPath } from 'node:url';
import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

export const PROTO_ROOT = fileURLToPath(new URL('../../../proto', import.meta.url));

export function addReflection(server: Server, files: string[]): void {
  const definition = loadSync(files, { includeDirs: [PROTO_ROOT], keepCase: true, defaults: false });
  new ReflectionService(definition).addToServer(server);
}
