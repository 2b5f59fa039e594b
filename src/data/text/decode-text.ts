/** How a text file's bytes were turned into characters. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
  /** Said when the encoding was a guess (no BOM) or a fallback, so the caller can pass it on. */
  warning?: string;
}

/** Share of NUL bytes at odd (LE) or even (BE) offsets above which BOM-less bytes are read as UTF-16. */
const UTF16_NUL_SHARE = 0.3;

function utf16Guess(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length - (bytes.length % 2), 4096);
  if (n < 4) return undefined;
  let oddNul = 0;
  let evenNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul / pairs > UTF16_NUL_SHARE && evenNul === 0) return 'utf-16le';
  if (evenNul / pairs > UTF16_NUL_SHARE && oddNul === 0) return 'utf-16be';
  return undefined;
}

/**
 * Windows-1252's characters for bytes 0x80-0x9f (curly quotes, dashes, the euro sign); undefined bytes keep their
 * Latin-1 code point. Written out because Node's TextDecoder reads 'windows-1252' as plain Latin-1.
 */
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80] as string);
}

/**
 * Decodes a text file: a byte-order mark decides UTF-8, UTF-16LE or UTF-16BE (and is dropped); without one, bytes
 * that are valid UTF-8 are UTF-8, NUL-heavy bytes are UTF-16 (with a warning), and anything else is read as
 * Windows-1252, the superset of Latin-1 that old English text files mostly are (with a warning naming the file).
 */
export function decodeText(bytes: Uint8Array, file: string): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8' };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  const utf16 = utf16Guess(bytes);
  if (utf16) {
    return {
      text: new TextDecoder(utf16).decode(bytes),
      encoding: utf16,
      warning: `${file} has no byte-order mark but looks like ${utf16.toUpperCase()} (every other byte is NUL); read as such. Save it as UTF-8 to be sure.`,
    };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return {
      text: decodeWindows1252(bytes),
      encoding: 'windows-1252',
      warning: `${file} is not valid UTF-8; read as Windows-1252 (Latin-1). Save it as UTF-8 if accents or quotes look wrong.`,
    };
  }
}
