/**
 * Text bound for a terminal with its control characters made visible: labels, file names and messages come from
 * user data, and an escape sequence in a class name must not move the cursor, recolour or retitle the terminal.
 * Line feeds and tabs stay; every other C0 or C1 control character (and DEL) is shown as `\xNN`.
 */
export function sanitizeForTerminal(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
