// Finding the refine-lsp server to start. Pure: no `vscode` import, every effect (file checks,
// probing an interpreter) comes in through DiscoveryHost so the order and the messages can be
// unit-tested without VS Code.

import * as path from 'path';

export type ServerSource = 'setting' | 'python' | 'path';

/** A command line that starts the server speaking LSP over stdio. */
export interface ServerLaunch {
  command: string;
  args: string[];
  source: ServerSource;
  /** One line for the log: where the command came from. */
  detail: string;
}

export interface DiscoveryInput {
  /** refineLsp.server.path, already expanded; empty or null means unset. */
  settingPath: string | null | undefined;
  /** refineLsp.server.args, appended after `serve`. */
  extraArgs: readonly string[];
  /**
   * How the Python extension runs the selected interpreter, e.g. ['/p/.venv/bin/python'] or
   * ['conda', 'run', '-n', 'env', 'python']; undefined when there is no Python extension.
   */
  pythonCommand: readonly string[] | undefined;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
}

export interface DiscoveryHost {
  isFile(p: string): boolean;
  /** Whether `pythonCommand` can import refine_lsp. */
  hasModule(pythonCommand: readonly string[]): Promise<boolean>;
}

export type DiscoveryResult =
  | { ok: true; launch: ServerLaunch; tried: string[] }
  | {
      ok: false;
      message: string;
      tried: string[];
      /** The selected interpreter, when installing refine-lsp into it would fix this. */
      installInto?: string[];
    };

export const SERVER_EXECUTABLE = 'refine-lsp';
export const SERVER_MODULE = 'refine_lsp';

const PYTHON_NAME = /^python(\d+(\.\d+)*)?(w)?(\.exe)?$/i;

/** True for paths such as /usr/bin/python3.11 or C:\Python311\python.exe. */
export function looksLikePython(file: string): boolean {
  return PYTHON_NAME.test(path.basename(file.replace(/\\/g, '/')));
}

export function serveArgs(extraArgs: readonly string[]): string[] {
  return ['serve', ...extraArgs];
}

/** The command that installs the server into an interpreter: `python -m pip install refine-lsp`. */
export function pipInstallCommand(pythonCommand: readonly string[]): { command: string; args: string[] } {
  return { command: pythonCommand[0], args: [...pythonCommand.slice(1), '-m', 'pip', 'install', SERVER_EXECUTABLE] };
}

/** The command line for an interpreter command: `python -m refine_lsp serve ARGS`. */
export function pythonLaunchArgs(pythonCommand: readonly string[], extraArgs: readonly string[]) {
  return {
    command: pythonCommand[0],
    args: [...pythonCommand.slice(1), '-m', SERVER_MODULE, ...serveArgs(extraArgs)],
  };
}

/** Expands `~`, `${userHome}`, `${workspaceFolder}` and makes a relative path absolute. */
export function expandPath(
  raw: string,
  ctx: { home: string; workspaceFolder?: string },
): string {
  let p = raw.trim();
  if (!p) return '';
  p = p.replace(/\$\{userHome\}/g, ctx.home);
  if (ctx.workspaceFolder !== undefined) {
    p = p.replace(/\$\{workspaceFolder\}/g, ctx.workspaceFolder);
  }
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) p = ctx.home + p.slice(1);
  if (!path.isAbsolute(p) && ctx.workspaceFolder !== undefined && /[\\/]/.test(p)) {
    p = path.join(ctx.workspaceFolder, p);
  }
  return p;
}

/** Expands `${userHome}` and `${workspaceFolder}` in refineLsp.server.args. */
export function expandArgs(
  args: readonly string[],
  ctx: { home: string; workspaceFolder?: string },
): string[] {
  return args.map((a) => {
    let out = a.replace(/\$\{userHome\}/g, ctx.home);
    if (ctx.workspaceFolder !== undefined) out = out.replace(/\$\{workspaceFolder\}/g, ctx.workspaceFolder);
    return out;
  });
}

/** First `name` on PATH that is a file (Windows: also tries each PATHEXT extension). */
export function findOnPath(
  name: string,
  env: DiscoveryInput['env'],
  platform: NodeJS.Platform,
  isFile: (p: string) => boolean,
): string | undefined {
  const windows = platform === 'win32';
  const searchPath = (windows ? env.Path ?? env.PATH : env.PATH) ?? '';
  const sep = windows ? ';' : ':';
  const exts = windows ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  const join = windows ? path.win32.join : path.posix.join;
  for (const dir of searchPath.split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext.toLowerCase());
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function quote(parts: readonly string[]): string {
  return parts.map((p) => (/[\s"']/.test(p) ? JSON.stringify(p) : p)).join(' ');
}

/**
 * Finds the server in this order: refineLsp.server.path, the selected Python interpreter's
 * environment, `refine-lsp` on PATH. An explicit setting that is wrong is an error rather than
 * a silent fall-back, so the user learns their setting is not used.
 */
export async function discoverServer(
  input: DiscoveryInput,
  host: DiscoveryHost,
): Promise<DiscoveryResult> {
  const tried: string[] = [];
  const setting = (input.settingPath ?? '').trim();
  if (setting) {
    if (!host.isFile(setting)) {
      return {
        ok: false,
        tried: [`refineLsp.server.path: ${setting} (not a file)`],
        message:
          `refineLsp.server.path is set to "${setting}", which is not a file. ` +
          'Fix: point it at the refine-lsp executable (or at a Python interpreter that has ' +
          'refine-lsp installed), or clear the setting to use the selected Python environment.',
      };
    }
    const launch = looksLikePython(setting)
      ? pythonLaunchArgs([setting], input.extraArgs)
      : { command: setting, args: serveArgs(input.extraArgs) };
    return {
      ok: true,
      tried: [`refineLsp.server.path: ${setting}`],
      launch: { ...launch, source: 'setting', detail: `refineLsp.server.path: ${setting}` },
    };
  }

  const python = input.pythonCommand?.filter((p) => p !== '');
  if (python && python.length > 0) {
    if (await host.hasModule(python)) {
      return {
        ok: true,
        tried: [...tried, `selected Python interpreter: ${quote(python)}`],
        launch: {
          ...pythonLaunchArgs(python, input.extraArgs),
          source: 'python',
          detail: `selected Python interpreter: ${quote(python)}`,
        },
      };
    }
    tried.push(`selected Python interpreter: ${quote(python)} (refine_lsp is not installed)`);
  } else {
    tried.push('selected Python interpreter: none (Python extension missing or no interpreter)');
  }

  const onPath = findOnPath(SERVER_EXECUTABLE, input.env, input.platform, host.isFile);
  if (onPath) {
    return {
      ok: true,
      tried: [...tried, `PATH: ${onPath}`],
      launch: {
        command: onPath,
        args: serveArgs(input.extraArgs),
        source: 'path',
        detail: `${SERVER_EXECUTABLE} on PATH: ${onPath}`,
      },
    };
  }
  tried.push(`PATH: no ${SERVER_EXECUTABLE} executable`);

  const install =
    python && python.length > 0
      ? `install it into the selected interpreter with \`${quote(python)} -m pip install refine-lsp\``
      : 'select a Python interpreter that has refine-lsp installed (`pip install refine-lsp`)';
  return {
    ok: false,
    tried,
    installInto: python && python.length > 0 ? [...python] : undefined,
    message:
      'Refine LSP could not find the refine-lsp server. ' +
      `Fix: ${install}, or set refineLsp.server.path to the refine-lsp executable. ` +
      `Tried: ${tried.join('; ')}.`,
  };
}
