/** What grpcurl and gRPC health probes see: server reflection and grpc.health.v1 on the real server. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { pbHealth } from '@minimesh/proto';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

const require = createRequire(import.meta.url);
const REFLECTION_PROTO = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_message: string };
}

describe('reflection and health', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
  });
  afterAll(async () => t?.stop());

  async function reflect(request: Record<string, unknown>): Promise<ReflectionResponse> {
    const def = loadPackageDefinition(loadSync(REFLECTION_PROTO, { keepCase: true })) as GrpcObject;
    const Ctor = ((def.grpc as GrpcObject).reflection as GrpcObject).v1 as GrpcObject;
    const client = new (Ctor.ServerReflection as ServiceClientConstructor)(t.server.address, credentials.createInsecure());
    try {
      return await new Promise((resolve, reject) => {
        const call = (client as unknown as { ServerReflectionInfo: () => NodeJS.ReadWriteStream & { end(): void } }).ServerReflectionInfo();
        call.on('data', (res: ReflectionResponse) => {
          resolve(res);
          call.end();
        });
        call.on('error', reject);
        call.write(request as never);
      });
    } finally {
      client.close();
    }
  }

  it('reflection - lists the API and health services (grpcurl list)', async () => {
    const res = await reflect({ list_services: '' });
    const names = res.list_services_response?.service.map((s) => s.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(['minimesh.v1.ApiService', 'grpc.health.v1.Health']));
  });

  it('reflection - describes minimesh.v1.ApiService with its files (grpcurl describe)', async () => {
    const res = await reflect({ file_containing_symbol: 'minimesh.v1.ApiService' });
    const files = res.file_descriptor_response?.file_descriptor_proto ?? [];
    expect(files.length).toBeGreaterThan(0);
    const text = Buffer.concat(files).toString('latin1');
    // @grpc/reflection serves one file per package (minimesh_v1.proto) holding every message.
    expect(text).toContain('minimesh.v1');
    expect(text).toContain('ApiService');
    expect(text).toContain('WatchEvent');
  });

  it('health - SERVING for the server and the API service, NOT_FOUND for others', async () => {
    const client = new pbHealth.HealthClient(t.server.address, credentials.createInsecure());
    const check = (service: string) =>
      new Promise<pbHealth.HealthCheckResponse>((resolve, reject) => client.check({ service }, (err, res) => (err ? reject(err) : resolve(res))));
    expect((await check('')).status).toBe(pbHealth.HealthCheckResponse_ServingStatus.SERVING);
    expect((await check('minimesh.v1.ApiService')).status).toBe(pbHealth.HealthCheckResponse_ServingStatus.SERVING);
    await expect(check('nope')).rejects.toMatchObject({ code: 5 });
    client.close();
  });
});
