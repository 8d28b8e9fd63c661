/**
 * Passwords never reach output, logs or results: every connection string and message
 * that may hold one passes through here first.
 */

/** Replace the password of every postgres:// URL in a text with `***`. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)([^@\s]*)(@)/gi, '$1***$3')
    .replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
}

/** A URL without its password, for display: `postgres://user@host:5432/db`. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return redactSecrets(url);
  }
}
