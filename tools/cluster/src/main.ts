/** minimesh-cluster: a local minimesh cluster out of network namespaces. */
import { CommandLine, usageText, type FlagDef } from '@minimesh/runtime';
import { UserError, type Command } from './cli.js';
import { down } from './commands/down.js';
import { env } from './commands/env.js';
import { kubeconfig } from './commands/kubeconfig.js';
import { exec } from './commands/exec.js';
import { kubelet } from './commands/kubelet.js';
import { podAdd } from './commands/pod-add.js';
import { podDelete, podLabel, podReady } from './commands/pod-change.js';
import { status } from './commands/status.js';
import { up } from './commands/up.js';

const HELP_FLAG: FlagDef = { name: 'help', short: 'h', type: 'bool', help: 'Show this help.' };

const COMMANDS: Record<string, Command> = { up, down, status, env, kubeconfig, exec, kubelet };
const POD_COMMANDS: Record<string, Command> = { add: podAdd, delete: podDelete, ready: podReady, label: podLabel };

const OVERVIEW = `minimesh-cluster: a local minimesh cluster out of network namespaces (Linux, root).

Usage: minimesh-cluster <command> [flags]

Commands:
  up          Build the namespaces and start the control plane (--nodes N, --name NAME)
  down        Stop everything and delete what up and pod add created (also after a crash)
  status      Nodes, pods and processes
  env         Shell exports for meshctl and kubectl: eval $(npx minimesh-cluster env)
  kubeconfig  A kubeconfig for kubectl (the Kubernetes REST API, the admin's certificate)
  pod add     Add a pod (a namespace with an echo server) on a node
  pod delete  Delete a pod
  pod ready   Flip a pod's Ready condition (--ready=false)
  pod label   Relabel a pod (kubectl label semantics)
  exec        Run a command inside a pod, a node or the outside client
  kubelet     (started by up) End the pods the apiserver marks for deletion

Every command takes --name NAME (or $MINIMESH_CLUSTER) to pick the cluster, default "minimesh",
and --help. State and logs: /run/minimesh/<name>/ ($MINIMESH_CLUSTER_STATE_DIR moves the base).
`;

const POD_OVERVIEW = `Usage: minimesh-cluster pod <add|delete|ready|label> NAME [flags]

  add     Add a pod (a namespace with an echo server) on a node
  delete  Delete a pod
  ready   Flip a pod's Ready condition (--ready=false)
  label   Relabel a pod (kubectl label semantics)

Run minimesh-cluster pod <subcommand> --help for its flags.
`;

async function main(argv: string[]): Promise<number> {
  const [first, ...restArgs] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(OVERVIEW);
    return first ? 0 : 2;
  }
  let command: Command | undefined;
  let args = restArgs;
  if (first === 'pod') {
    const [sub, ...subArgs] = restArgs;
    if (!sub || sub === '--help' || sub === '-h') {
      process.stdout.write(POD_OVERVIEW);
      return sub ? 0 : 2;
    }
    command = POD_COMMANDS[sub];
    if (!command) throw new UserError(`unknown pod command "${sub}" (add, delete, ready, label)`);
    args = subArgs;
  } else {
    command = COMMANDS[first];
    if (!command) throw new UserError(`unknown command "${first}" (run minimesh-cluster --help)`);
  }
  // Flags (and $MINIMESH_CLUSTER) by the project's one parser; a bad flag is one line, `error: <pflag's words>`.
  const defs = [HELP_FLAG, ...command.flags];
  const parsed = CommandLine.parse(args, defs, process.env);
  if (parsed.bool('help')) {
    process.stdout.write(usageText(command.usage, command.description, command.flags));
    return 0;
  }
  return command.run(parsed);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`error: ${e.message}\n`);
    if (process.env.MINIMESH_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
    process.exit(1);
  },
);
