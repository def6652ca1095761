import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from './net.js';

describe('freePorts', () => {
  it('gives distinct ports, each free again once it is handed out', async () => {
    for (let round = 0; round < 20; round++) {
      const ports = await freePorts(6);
      expect(new Set(ports).size).toBe(6);
      for (const port of ports) {
        const s = createServer();
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen(port, '127.0.0.1', () => resolve());
        });
        await new Promise((resolve) => s.close(resolve));
      }
    }
  });
});
