const IRREGULAR: Record<string, string> = { process: 'processes', match: 'matches' };

/**
 * A count with its noun in the number it takes: "1 fd", "2 fds", "1 process",
 * "0 processes"; `shown` writes the number (the app's thousands separators).
 */
export function counted(n: number, one: string, shown: (n: number) => string = String): string {
  return `${shown(n)} ${n === 1 ? one : (IRREGULAR[one] ?? one + 's')}`;
}

/** What an image holds, as every summary line says it: "1 task, 3 fds, 3 open files". */
export function contentsText(tasks: number, fds: number, files: number, shown?: (n: number) => string): string {
  return `${counted(tasks, 'task', shown)}, ${counted(fds, 'fd', shown)}, ${counted(files, 'open file', shown)}`;
}
