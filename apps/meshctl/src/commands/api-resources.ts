/** `meshctl api-resources`: the kinds minimesh serves, as kubectl api-resources lists them. */
import { ALL_KINDS, KINDS } from '@minimesh/api';
import type { Command } from '../cli/command.js';
import { TABLE_LAYOUT, tabwrite } from '../print/tabwriter.js';

export const apiResourcesCommand: Command = {
  name: 'api-resources',
  summary: 'Print the supported API resources on the server',
  description: 'Print the supported API resources on the server.',
  usage: 'meshctl api-resources [flags] [options]',
  examples: '  # Print the supported API resources\n  meshctl api-resources\n',
  flags: [],
  async run(_flags, io) {
    const rows = [['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']];
    const infos = ALL_KINDS.map((k) => KINDS[k]).sort((a, b) => (a.resource < b.resource ? -1 : 1));
    for (const i of infos) rows.push([i.resource, i.shortNames.join(','), i.apiVersion, String(i.namespaced), i.kind]);
    io.stdout.write(tabwrite(rows.map((r) => `${r.join('\t')}\n`).join(''), TABLE_LAYOUT));
    return 0;
  },
};
