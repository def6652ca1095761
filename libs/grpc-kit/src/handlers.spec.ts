import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, credentials, status as Code, type Server, type ServiceError } from '@grpc/grpc-js';
import { InvalidError, NotFoundError, field } from '@minimesh/api';
import { fromGrpcError } from '@minimesh/wire';
import { unary } from './handlers.js';
import { listen, newServer } from './server.js';

const identity = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const method = (path: string) => ({ path, requestStream: false, responseStream: false, requestSerialize: identity.serialize, requestDeserialize: identity.deserialize, responseSerialize: identity.serialize, responseDeserialize: identity.deserialize });

describe('unary handlers over a real server', () => {
  let server: Server;
  let client: Client;
  beforeAll(async () => {
    server = newServer();
    server.addService(
      { notFound: method('/t.T/NotFound'), invalid: method('/t.T/Invalid') },
      {
        notFound: unary('NotFound', async (req: Buffer) => { throw new NotFoundError('Service', req.toString()); }),
        invalid: unary('Invalid', async (req: Buffer) => { throw new InvalidError('Service', 'web', Array.from({ length: 500 }, (_, i) => field.invalid(`metadata.labels[${i}]`, req.toString(), 'must be no more than 63 characters'))); }),
      },
    );
    const [address] = await listen(server, '127.0.0.1:0');
    client = new Client(address!, credentials.createInsecure());
  });
  afterAll(() => (client.close(), server.forceShutdown()));

  const call = (path: string, body: string) =>
    new Promise<ServiceError>((resolve, reject) =>
      client.makeUnaryRequest(path, identity.serialize, identity.deserialize, Buffer.from(body), { deadline: Date.now() + 5000 }, (err) => (err ? resolve(err) : reject(new Error('no error')))),
    );

  it('an error quoting a 2 MB name arrives as its status, not as a hang', async () => {
    const err = await call('/t.T/NotFound', 'x'.repeat(2_000_000));
    expect(err.code).toBe(Code.NOT_FOUND);
    expect(fromGrpcError(err)).toBeInstanceOf(NotFoundError);
    expect(err.details).toMatch(/^services "x{127}…\(1999746 characters omitted\)…x{127}" not found$/);
  });

  it('500 causes quoting 60 KB each arrive, bounded', async () => {
    const err = await call('/t.T/Invalid', 'v'.repeat(60_000));
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    const back = fromGrpcError(err);
    expect(back).toBeInstanceOf(InvalidError);
    expect(back.message).toMatch(/^Service "web" is invalid: /);
  });
});
