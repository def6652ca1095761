/**
 * Go's tabwriter, padding with spaces, as kubectl uses it: for tables the liggitt/tabwriter fork
 * (minwidth 6, padding 3, RememberWidths: a column never shrinks across flushes, which keeps
 * `get -w` rows aligned with the table above), for describe text/tabwriter (minwidth 0, padding
 * 2). Cells end at '\t'; the text after a line's last tab is not aligned. A column is aligned over
 * a block of consecutive lines that all have a cell in it, so a line without tabs starts a new block.
 */
import { pushAll } from '@minimesh/api';

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

export const TABLE_LAYOUT: TabwriterOptions = { minwidth: 6, padding: 3 };
export const DESCRIBE_LAYOUT: TabwriterOptions = { minwidth: 0, padding: 2 };

/** The widths a RememberWidths tabwriter keeps between flushes. */
export interface RememberedWidths {
  maxwidths: number[];
}

/** Width as Go counts it: runes. */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function tabwrite(text: string, opts: TabwriterOptions, remembered?: RememberedWidths): string {
  const endsWithNewline = text.endsWith('\n');
  const rawLines = text.split('\n');
  if (endsWithNewline) rawLines.pop();
  const lines = rawLines.map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i]!;
      let s = '';
      cells.forEach((cell, j) => {
        s += cell;
        if (j < widths.length && j < cells.length - 1) s += ' '.repeat(Math.max(0, widths[j]! - width(cell)));
      });
      const last = i === lines.length - 1 && !endsWithNewline;
      out.push(last ? s : `${s}\n`);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let th = line0; th < line1; th++) {
      if (column >= lines[th]!.length - 1) continue;
      // A cell exists in this column: print the lines above, then the block.
      writeLines(line0, th);
      line0 = th;
      let w = opts.minwidth;
      for (; th < line1; th++) {
        const cells = lines[th]!;
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column]!) + opts.padding);
      }
      if (remembered) {
        const max = remembered.maxwidths;
        if (max.length < widths.length) pushAll(max, widths.slice(max.length));
        if (max.length === widths.length) max.push(w);
        else if (max[column]! > w) w = max[column]!;
        else max[column] = w;
      }
      widths.push(w);
      format(line0, th);
      widths.pop();
      line0 = th;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('');
}
