/** Splits `text` into lines of at most `width` characters at spaces (a longer word gets a line of its own). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Two columns, the second wrapped: `label  text` with continuation lines under the text. A label wider than
 * `maxLabel` gets the text on the next line.
 */
export function formatDefinitions(
  rows: [string, string][],
  options: { indent?: number; width?: number; maxLabel?: number; labelWidth?: number } = {},
): string {
  const { indent = 2, width = 100, maxLabel = 28 } = options;
  const labelWidth = options.labelWidth ?? Math.min(maxLabel, Math.max(0, ...rows.map(([label]) => label.length)));
  const textColumn = indent + labelWidth + 2;
  const textWidth = Math.max(30, width - textColumn);
  const pad = ' '.repeat(textColumn);
  const out: string[] = [];
  for (const [label, text] of rows) {
    const wrapped = wrapText(text, textWidth);
    const head = ' '.repeat(indent) + label;
    if (label.length > labelWidth) {
      out.push(head);
      for (const line of wrapped) out.push((pad + line).trimEnd());
    } else {
      wrapped.forEach((line, i) => out.push((i === 0 ? head.padEnd(textColumn) + line : pad + line).trimEnd()));
    }
  }
  return out.join('\n');
}

/** Quotes a path for a POSIX shell only when it needs it, so suggested commands can be pasted. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
