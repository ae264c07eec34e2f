/**
 * Words for the shell command lines networth prints (doctor's fixes) or installs (the cron
 * line): safe ones as they are, anything else single-quoted.
 */

/** A word for a POSIX shell command line: as is when safe, else single-quoted. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/** A displayed path for a shell command line: a leading ~/ stays outside the quotes. */
export function shellPath(shown: string): string {
  return shown.startsWith("~/") ? `~/${shellWord(shown.slice(2))}` : shellWord(shown);
}

/** Permission bits as chmod takes them: 0o644 is "0644". */
export function octalMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}
