// Just enough of a Dockerfile reader for static checks of the images, where no Docker engine runs:
// the stages, what each FROM resolves to (through the ARGs declared before the first FROM), the final
// working directory and user, and where each COPY puts what.
import path from 'node:path';

export interface Copy {
  /** The stage copied from (`--from=`), or undefined for the build context. */
  from?: string;
  sources: string[];
  /** Absolute destination in the image, resolved against the WORKDIR at that point. */
  destination: string;
}

export interface Stage {
  /** The image or stage as written, `${ARG}`s expanded. */
  base: string;
  name?: string;
  workdir: string;
  user?: string;
  copies: Copy[];
  runs: string[];
}

/** Instructions, one per logical line: comments dropped, `\` continuations joined. */
export function instructions(text: string): { keyword: string; args: string }[] {
  const out: { keyword: string; args: string }[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '') continue;
    const space = full.search(/\s/);
    out.push({ keyword: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() });
  }
  return out;
}

function expand(value: string, args: Record<string, string>): string {
  return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_match, name: string) => args[name] ?? '');
}

/** The stages of a Dockerfile, in order (the last one is the image). */
export function parseDockerfile(text: string): Stage[] {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { keyword, args } of instructions(text)) {
    const stage = stages.at(-1);
    if (keyword === 'ARG' && !stage) {
      const eq = args.indexOf('=');
      if (eq > 0) globalArgs[args.slice(0, eq)] = args.slice(eq + 1).replace(/^"|"$/g, '');
    } else if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const name = words.length >= 3 && words[1].toUpperCase() === 'AS' ? words[2] : undefined;
      stages.push({ base: expand(words[0], globalArgs), name, workdir: '/', copies: [], runs: [] });
    } else if (!stage) {
      throw new Error(`${keyword} before the first FROM`);
    } else if (keyword === 'WORKDIR') {
      stage.workdir = path.posix.resolve(stage.workdir, args);
    } else if (keyword === 'USER') {
      stage.user = args;
    } else if (keyword === 'RUN') {
      stage.runs.push(args);
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      const words = args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      stage.copies.push({
        from,
        sources: paths.slice(0, -1),
        destination: path.posix.resolve(stage.workdir, paths.at(-1)!),
      });
    }
  }
  return stages;
}

/**
 * Whether a .dockerignore written as an allow list (`*`, then `!path` lines) lets `source` into the
 * build context: `source` is one of the allowed paths or lies under an allowed directory.
 */
export function allowedByDockerignore(dockerignore: string, source: string): boolean {
  const lines = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines[0] !== '*')
    throw new Error('.dockerignore is expected to start with "*" and allow paths with "!"');
  const wanted = source.replace(/\/+$/, '');
  return lines.slice(1).some((line) => {
    if (!line.startsWith('!')) throw new Error(`unexpected .dockerignore line "${line}"`);
    const allowed = line.slice(1).replace(/\/+$/, '');
    return wanted === allowed || wanted.startsWith(`${allowed}/`);
  });
}
