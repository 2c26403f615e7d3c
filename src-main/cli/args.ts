/**
 * A small, strict argument parser: every command declares its options, and
 * anything undeclared is a usage error naming the offending word.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  /** Long name without dashes. */
  name: string;
  short?: string;
  /** 'flag' takes no value; 'string' and 'int' take one; 'list' may repeat. */
  type: 'flag' | 'string' | 'int' | 'list';
  help: string;
  value?: string;
}

export interface Parsed {
  opts: Record<string, string | boolean | number | string[] | undefined>;
  positional: string[];
}

export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'help', short: 'h', type: 'flag', help: 'show this help' },
  { name: 'home', type: 'string', value: 'DIR', help: 'library directory (default: $CKPT_HOME or ~/.local/share/checkpoint-studio)' },
];

/**
 * Whether `word` is itself an option of `all` (or `--`): then it cannot be
 * the value of the option before it, which is missing its value (`--pid
 * $(pgrep nothing) -o f`). `-` (stdin/stdout) and anything else starting
 * with a dash that names no option (`-5`) stay values.
 */
function isOptionWord(word: string, all: OptionSpec[]): boolean {
  if (word === '--') return true;
  if (word.startsWith('--')) {
    const eq = word.indexOf('=');
    const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
    return all.some((o) => o.name === name);
  }
  return word.length > 1 && word.startsWith('-') && all.some((o) => o.short === word.slice(1, 2));
}

export interface ParseOptions {
  /**
   * The command takes no positional arguments: a word that is no option or
   * option value is a usage error naming it (`ckpt capture --pid 111 222`),
   * not silently ignored. `command` names it in the message.
   */
  noPositional?: { command: string };
}

/**
 * "pids are comma-separated: --pid 111,222" when `word` came right after
 * the value of an option whose value is a comma list (PID[,PID...]): the
 * words were meant as more values of it.
 */
function listHint(last: { spec: OptionSpec; value: string } | undefined, word: string): string {
  const m = last ? /^([A-Z]+)\[,/.exec(last.spec.value ?? '') : null;
  // Only a word that could be one of them: `--pid 123 out.ckpt` forgot -o, it listed no second pid.
  const fits = m?.[1] === 'PID' ? /^\d+$/.test(word) : !/[/.]/.test(word);
  return m && fits ? `; ${m[1]!.toLowerCase()}s are comma-separated: --${last!.spec.name} ${last!.value},${word}` : '';
}

export function parseArgs(argv: string[], specs: OptionSpec[], how: ParseOptions = {}): Parsed {
  const all = [...specs, ...COMMON_OPTIONS];
  const opts: Parsed['opts'] = {};
  const positional: string[] = [];
  // The option whose value the previous word was, and that value, for listHint.
  let last: { spec: OptionSpec; value: string } | undefined;
  // Help asked for is help given, whatever else the line holds.
  const helpAsked = argv.includes('--help') || argv.includes('-h');
  const stray = (word: string) => {
    if (how.noPositional && !helpAsked)
      throw new UsageError(`${how.noPositional.command} takes no arguments, got "${word}"${listHint(last, word)}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      const rest = argv.slice(i + 1);
      if (rest.length) stray(rest[0]!);
      positional.push(...rest);
      break;
    }
    // A word with one dash that is no option but holds : / or . is a negated
    // query term where the command takes words (`ckpt search app.log -kind:socket`).
    const term = !how.noPositional && /^-[^-]/.test(a) && /[:/.]/.test(a) && !all.some((o) => o.short === a.slice(1, 2));
    if (!a.startsWith('-') || a === '-' || term) {
      stray(a);
      positional.push(a);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else {
      const s = all.find((o) => o.short === a.slice(1, 2));
      if (!s) throw new UsageError(`unknown option ${a}`);
      name = s.name;
      inline = a.length > 2 ? a.slice(2) : undefined;
    }
    const spec = all.find((o) => o.name === name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    last = undefined;
    if (spec.type === 'flag') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      opts[name] = true;
      continue;
    }
    let v = inline;
    if (v === undefined) {
      const next = argv[i + 1];
      if (next === undefined || isOptionWord(next, all))
        throw new UsageError(`--${name} needs a value${next === undefined ? '' : `, got the option ${next}`}`);
      v = next;
      i++;
    }
    last = { spec, value: v };
    if (spec.type === 'int') {
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--${name} needs a non-negative integer, got "${v}"`);
      opts[name] = Number(v);
    } else if (spec.type === 'list') {
      ((opts[name] ??= []) as string[]).push(v);
    } else {
      opts[name] = v;
    }
  }
  return { opts, positional };
}

export function formatOptions(specs: OptionSpec[]): string {
  const rows = [...specs, ...COMMON_OPTIONS].map((o) => {
    const left = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.type === 'flag' ? '' : ` ${o.value ?? 'VALUE'}`}`;
    return `  ${left.padEnd(30)} ${o.help}`;
  });
  return rows.join('\n');
}
