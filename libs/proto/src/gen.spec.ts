import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('generated code', () => {
  it('proto - the committed ts-proto output matches the schemas', () => {
    const script = fileURLToPath(new URL('../check-gen.sh', import.meta.url));
    const out = execFileSync('bash', [script], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });
});
