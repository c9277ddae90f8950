// A small argv parser: `--name value`, `--name=value` and bare flags; unknown options are errors.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  options: Map<string, string>;
  positional: string[];
}

export function parseArgs(argv: readonly string[], allowed: readonly string[], flags: readonly string[] = []): ParsedArgs {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (flags.includes(name)) {
      options.set(name, 'true');
      continue;
    }
    if (!allowed.includes(name)) throw new UsageError(`unknown option --${name} (expected ${[...allowed, ...flags].map((a) => `--${a}`).join(', ')})`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`option --${name} needs a value`);
      i++;
    }
    if (options.has(name)) throw new UsageError(`option --${name} is given twice`);
    options.set(name, value);
  }
  return { options, positional };
}

export function required(args: ParsedArgs, name: string): string {
  const value = args.options.get(name);
  if (value === undefined || value === '') throw new UsageError(`missing --${name}`);
  return value;
}

/** A whole number >= min, or a UsageError quoting what was given. */
export function parseWholeNumber(text: string, name: string, min = 1): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${name} must be a whole number >= ${min} (got "${text}")`);
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`--${name} must be a whole number >= ${min} (got "${text}")`);
  return value;
}
