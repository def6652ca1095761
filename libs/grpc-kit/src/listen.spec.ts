import { describe, expect, it } from 'vitest';
import { isLocalAddress, listen, newServer } from './server.js';

describe('listen', () => {
  it('refuses plain TCP on an address other hosts can reach', async () => {
    const server = newServer();
    await expect(listen(server, '0.0.0.0:0')).rejects.toThrow('refusing to serve plain TCP on 0.0.0.0:0: plain TCP is only for loopback and unix sockets; give TLS files');
    server.forceShutdown();
  });

  it('knows which addresses stay on this host', () => {
    expect(['unix:///run/x.sock', '127.0.0.1:1', 'localhost:1', '[::1]:1'].map(isLocalAddress)).toEqual([true, true, true, true]);
    expect(['0.0.0.0:1', '10.0.0.1:1', '[::]:1'].map(isLocalAddress)).toEqual([false, false, false]);
  });
});
