/**
 * One structured logger: JSON lines on stderr, `{time, level, component, msg, ...meta}`.
 * MINIMESH_LOG_LEVEL (debug|info|warn|error) sets the threshold.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
}

export function createLogger(component: string, opts: LoggerOptions = {}): Logger {
  const envLevel = process.env.MINIMESH_LOG_LEVEL as LogLevel | undefined;
  const level = opts.level ?? (envLevel && envLevel in ORDER ? envLevel : 'info');
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log = (lvl: LogLevel, msg: string, meta?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, component, msg };
    if (meta) {
      for (const [k, v] of Object.entries(meta)) rec[k] = v instanceof Error ? v.message : v;
    }
    write(JSON.stringify(rec));
  };
  return {
    debug: (m, meta) => log('debug', m, meta),
    info: (m, meta) => log('info', m, meta),
    warn: (m, meta) => log('warn', m, meta),
    error: (m, meta) => log('error', m, meta),
    child: (c) => createLogger(`${component}.${c}`, { level, write }),
  };
}
