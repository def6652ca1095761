/**
 * kube-apiserver's static token file (`--token-auth-file`): CSV lines `token,user,uid[,"group1,group2"]`,
 * blank lines and `#` comments skipped. Tokens are looked up by their SHA-256, so a lookup takes
 * the same time whatever the token's prefix.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { UserInfo } from './user-info.js';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Splits one CSV line: commas separate, double quotes group (`""` is a quote). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new Error('unterminated quote');
  out.push(cur);
  return out.map((f) => f.trim());
}

export class TokenFile {
  private constructor(private readonly users: Map<string, UserInfo>) {}

  static parse(text: string, source = 'token file'): TokenFile {
    const users = new Map<string, UserInfo>();
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      let f: string[];
      try {
        f = csvFields(line);
      } catch (e) {
        throw new Error(`${source}, line ${i + 1}: ${(e as Error).message}`);
      }
      if (f.length < 3 || !f[0] || !f[1]) throw new Error(`${source}, line ${i + 1}: expected token,user,uid[,"groups"]`);
      const groups = (f[3] ?? '').split(',').map((g) => g.trim()).filter(Boolean);
      const key = hash(f[0]);
      if (users.has(key)) throw new Error(`${source}, line ${i + 1}: duplicate token`);
      users.set(key, { name: f[1], ...(f[2] ? { uid: f[2] } : {}), groups });
    });
    return new TokenFile(users);
  }

  static read(path: string): TokenFile {
    return TokenFile.parse(readFileSync(path, 'utf8'), path);
  }

  lookup(token: string): UserInfo | undefined {
    return this.users.get(hash(token));
  }

  get size(): number {
    return this.users.size;
  }
}

/**
 * A token file that follows its changes: looked at (its mtime) at most once a second, read again
 * when it changed, so tokens are added, rotated and revoked without a restart (kube-apiserver
 * reads its file once; minimesh does better here). A file that no longer parses keeps the last
 * good tokens and is reported through `onError`.
 */
export class ReloadingTokenFile {
  private current: TokenFile;
  private mtimeMs: number;
  private checkedAt = 0;

  constructor(
    private readonly path: string,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.current = TokenFile.read(path);
    this.mtimeMs = statSync(path).mtimeMs;
  }

  lookup(token: string): UserInfo | undefined {
    this.refresh();
    return this.current.lookup(token);
  }

  get size(): number {
    return this.current.size;
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    try {
      const mtimeMs = statSync(this.path).mtimeMs;
      if (mtimeMs === this.mtimeMs) return;
      this.current = TokenFile.read(this.path);
      this.mtimeMs = mtimeMs;
    } catch (e) {
      this.onError(e as Error);
    }
  }
}
