/** One record of a delimited file: its fields, or why it could not be read, with the line it starts on (1-based). */
export type DelimitedRecord = { line: number; fields: string[] } | { line: number; error: string };

/** Index just past the next '\n' at or after `from` (or the end of the text). */
function nextLineStart(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl + 1;
}

/**
 * Splits CSV text into records (RFC 4180): fields separated by commas; a field that starts with `"` is quoted, may
 * hold commas, newlines and `""` for a quote, and must be followed by a comma or the end of the line. A `"` inside an
 * unquoted field is an ordinary character. A malformed record is reported with its line and reading resumes on the
 * next line, so one stray quote cannot swallow the rest of the file. Blank lines yield nothing.
 */
export function* parseCsv(text: string): Generator<DelimitedRecord> {
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) {
            error = 'a quoted field is never closed (unbalanced double quote)';
            break;
          }
          const ch = text[i] as string;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        if (error) break;
        if (text[i] === '\r' && text[i + 1] === '\n') i++;
        if (i < text.length && text[i] !== ',' && text[i] !== '\n') {
          error =
            line > startLine
              ? `a quoted field runs from line ${startLine} to line ${line} and is followed by text there: an unbalanced double quote? Double quotes inside quoted fields ("")`
              : `text after the closing quote of field ${fields.length + 1}; quote the whole field and double inner quotes ("")`;
          break;
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n') field += text[i++];
        if (field.endsWith('\r')) field = field.slice(0, -1);
      }
      fields.push(field);
      if (i >= text.length || text[i] === '\n') {
        i++;
        line++;
        break;
      }
      i++; // the comma
    }
    if (error) {
      yield { line: startLine, error };
      // Resume on the line after the record's first: a stray quote loses one row, not the rest of the file.
      i = nextLineStart(text, start);
      line = startLine + 1;
      continue;
    }
    if (fields.length === 1 && (fields[0] as string).trim() === '') continue;
    yield { line: startLine, fields };
  }
}

/**
 * Splits TSV text into records: one per line, fields separated by TABs, no quoting (the IANA text/tab-separated-values
 * format: a field cannot hold a TAB or a newline, and quotes are ordinary characters). Blank lines yield nothing.
 */
export function* parseTsv(text: string): Generator<DelimitedRecord> {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const raw = (lines[k] as string).replace(/\r$/, '');
    if (raw.trim() === '') continue;
    yield { line: k + 1, fields: raw.split('\t') };
  }
}
