/**
 * nft's errors in one line. nft reports each refused command as three lines — the error, the
 * input line it concerns, and carets under the offending part — so the last line of its stderr
 * (what CommandError shows) is only carets. This keeps each error with the command it concerns
 * (the " ; "-separated command under the carets, for the session's one-line transactions).
 */

export function nftErrorSummary(stderr: string, max = 3): string {
  const lines = stderr.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length && out.length < max; i++) {
    const at = lines[i]!.indexOf('Error: ');
    if (at === -1) continue;
    const message = lines[i]!.slice(at).trim();
    const input = lines[i + 1];
    const carets = lines[i + 2];
    const col = carets === undefined ? -1 : carets.indexOf('^');
    if (input === undefined || col === -1) {
      out.push(message);
      continue;
    }
    // The command around the carets: from the previous " ; " to the next one.
    const start = input.lastIndexOf(' ; ', col);
    const end = input.indexOf(' ; ', col);
    const command = input.slice(start === -1 ? 0 : start + 3, end === -1 ? undefined : end).trim();
    out.push(`${message}: ${command.length > 300 ? `${command.slice(0, 300)}…` : command}`);
    i += 2;
  }
  return out.length ? out.join(' | ') : stderr.trim().split('\n').pop() ?? '';
}
