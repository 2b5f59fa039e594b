import { HeadstartError } from '../index.js';

/** Longest class name accepted: folder names stay readable and well under every filesystem's limit. */
const MAX_LABEL_CHARS = 64;
const MAX_FILE_NAME_CHARS = 100;
/** Characters no class folder may hold: path separators, and what Windows refuses in a file name. */
const FORBIDDEN = /[/\\<>:"|?*]/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A class name as typed, checked to be usable as one folder name under `classes/`: no separators, no `..`, no
 * markup or control characters. Returns it trimmed and NFC-normalised.
 * @throws HeadstartError `HS_INVALID_OPTION` naming the rule the label broke.
 */
export function checkLabel(raw: unknown): string {
  if (typeof raw !== 'string') throw new HeadstartError('HS_INVALID_OPTION', 'A class name must be text.');
  const label = raw.normalize('NFC').trim();
  const shown = JSON.stringify(label.slice(0, MAX_LABEL_CHARS + 10));
  if (label === '') throw new HeadstartError('HS_INVALID_OPTION', 'A class name cannot be empty: type a name such as "roses".');
  if (label.length > MAX_LABEL_CHARS) {
    throw new HeadstartError('HS_INVALID_OPTION', `Class name ${shown} is too long: at most ${MAX_LABEL_CHARS} characters.`);
  }
  if (label.startsWith('.') || label.includes('..')) {
    throw new HeadstartError('HS_INVALID_OPTION', `Class name ${shown} is not allowed: it cannot start with "." or contain "..". Use letters, digits, spaces, "-" or "_".`);
  }
  if (FORBIDDEN.test(label) || CONTROL.test(label)) {
    throw new HeadstartError('HS_INVALID_OPTION', `Class name ${shown} is not allowed: it cannot contain / \\ < > : " | ? * or control characters. Use letters, digits, spaces, "-" or "_".`);
  }
  return label;
}

/**
 * An uploaded file's name made safe to store: the last path segment only, unsafe characters replaced by "_", no
 * leading dot, at most 100 characters with the extension kept.
 */
export function safeFileName(raw: string, fallback: string): string {
  const base = raw.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let name = base.replace(/[<>:"|?*\u0000-\u001f\u007f]/g, '_').replace(/\s+/g, ' ').trim().replace(/^\.+/, '');
  if (name === '') name = fallback;
  if (name.length > MAX_FILE_NAME_CHARS) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
    name = name.slice(0, MAX_FILE_NAME_CHARS - ext.length) + ext;
  }
  return name;
}

/**
 * A stored example's name as a request gives it: must already be a plain file name (what `safeFileName` returns),
 * so it can never reach outside its class folder.
 * @throws HeadstartError `HS_INVALID_OPTION` for anything else.
 */
export function checkFileName(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '' || raw !== safeFileName(raw, '')) {
    throw new HeadstartError('HS_INVALID_OPTION', `${JSON.stringify(String(raw))} is not a file name of this project.`);
  }
  return raw;
}
