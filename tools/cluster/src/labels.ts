/** Label arguments: `--labels k=v,k2=v2` of `pod add`, and `kubectl label` semantics for `pod label`. */

/** `app=web,tier=front` → { app: 'web', tier: 'front' }. */
export function parseLabelList(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`invalid label "${part}": expected key=value`);
    labels[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return labels;
}

export interface LabelChange {
  labels: Record<string, string>;
  /** False when the result equals the input (kubectl then says "not labeled"). */
  changed: boolean;
  warnings: string[];
}

/**
 * Applies `key=value` and `key-` arguments like `kubectl label`: setting a key that already has
 * another value needs `overwrite`; removing a missing key only warns.
 */
export function applyLabelArgs(current: Record<string, string>, args: string[], overwrite: boolean): LabelChange {
  if (args.length === 0) throw new Error('at least one label update is required (key=value or key-)');
  const labels = { ...current };
  const warnings: string[] = [];
  const sets: [string, string][] = [];
  const removes: string[] = [];
  for (const arg of args) {
    if (arg.endsWith('-') && !arg.includes('=')) {
      removes.push(arg.slice(0, -1));
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new Error(`invalid label spec "${arg}": expected key=value or key-`);
    sets.push([arg.slice(0, eq), arg.slice(eq + 1)]);
  }
  for (const key of removes) {
    if (sets.some(([k]) => k === key)) throw new Error(`can not both modify and remove a label in the same command`);
  }
  for (const [key, value] of sets) {
    if (!overwrite && key in labels && labels[key] !== value) {
      throw new Error(`'${key}' already has a value (${labels[key]}), and --overwrite is false`);
    }
    labels[key] = value;
  }
  for (const key of removes) {
    if (key in labels) delete labels[key];
    else warnings.push(`label "${key}" not found.`);
  }
  const changed = JSON.stringify(sortKeys(labels)) !== JSON.stringify(sortKeys(current));
  return { labels, changed, warnings };
}

function sortKeys(r: Record<string, string>): [string, string][] {
  return Object.entries(r).sort(([a], [b]) => a.localeCompare(b));
}
