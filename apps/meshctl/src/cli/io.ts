import type { ApiClient } from '@minimesh/client';

/** Where a command writes: anything with `write(string)` (process.stdout, or a buffer in tests). */
export interface Output {
  write(chunk: string): unknown;
}

/**
 * What a command runs against. Commands are functions `(argv, io) => Promise<exitCode>`, so tests
 * drive them with a fake client and string buffers instead of spawning the binary.
 */
export interface CommandIO {
  stdout: Output;
  stderr: Output;
  /** The apiserver. Connected lazily by the entry point: commands that never call it never connect. */
  client: ApiClient;
  /** The whole of standard input, for `-f -`. */
  readStdin?: () => Promise<string>;
  /** Milliseconds since the epoch; AGE columns are computed against it. */
  now?: () => number;
  /** Ends `get --watch`. */
  signal?: AbortSignal;
  /** Base for relative manifest paths. */
  cwd?: string;
}

/** An Output that keeps everything written, for tests and for composing output before printing it. */
export class BufferOutput implements Output {
  private chunks: string[] = [];
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
  clear(): void {
    this.chunks = [];
  }
}

export function nowOf(io: CommandIO): number {
  return io.now ? io.now() : Date.now();
}
