/** `--help` text, laid out like kubectl's. */
import type { Command } from './command.js';
import { GLOBAL_FLAGS } from './command.js';
import type { FlagDef } from '@minimesh/runtime';
import { maxOf } from '@minimesh/api';

function flagLine(f: FlagDef): string {
  const names = f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
  return `    ${names}=${f.defaultText ?? "''"}:\n\t${f.help}\n`;
}

export function commandHelp(cmd: Command): string {
  const flags = [...cmd.flags, ...GLOBAL_FLAGS].sort((a, b) => (a.name < b.name ? -1 : 1));
  return (
    `${cmd.description}\n\n` +
    (cmd.examples ? `Examples:\n${cmd.examples.replace(/\n+$/, '')}\n\n` : '') +
    `Options:\n${flags.map(flagLine).join('\n')}\n` +
    `Usage:\n  ${cmd.usage}\n`
  );
}

export function rootHelp(commands: readonly Command[]): string {
  const width = maxOf(commands.map((c) => c.name.length)) + 3;
  return (
    'meshctl controls the minimesh cluster, the way kubectl controls Kubernetes.\n\n' +
    'Basic Commands:\n' +
    commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}\n`).join('') +
    '\nGlobal options:\n' +
    GLOBAL_FLAGS.map(flagLine).join('\n') +
    '\nUsage:\n  meshctl [flags] [options]\n\n' +
    'Use "meshctl <command> --help" for more information about a given command.\n'
  );
}
