// The server process, spawned by us rather than by vscode-languageclient, so that its exit is
// seen directly (whatever the connection does) and it is always killed when we drop it.
// No `vscode` import.

import { ChildProcess, spawn } from 'child_process';
import { ServerLaunch } from './discovery';

export interface SpawnedServer {
  child: ChildProcess;
  /** Resolves with a phrase such as "exited with code 3" or "was killed (SIGKILL)". */
  exited: Promise<string>;
}

/** Starts `launch`; rejects when it cannot be started at all (ENOENT, EACCES). */
export function spawnServer(
  launch: ServerLaunch,
  cwd: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<SpawnedServer> {
  const child = spawn(launch.command, launch.args, { cwd, env, stdio: 'pipe', windowsHide: true });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) =>
      resolve(signal ? `was killed (${signal})` : `exited with code ${code}`),
    );
  });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve({ child, exited }));
    child.on('error', (err) => {
      if (child.pid === undefined) reject(new Error(`could not run ${launch.command}: ${err.message}`));
    });
  });
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it is gone. */
export async function killServer(server: SpawnedServer | undefined, graceMs = 2_000): Promise<void> {
  if (!server || !alive(server.child)) return;
  server.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), graceMs)));
  const how = await Promise.race([server.exited, grace]);
  clearTimeout(timer);
  if (how === 'late' && alive(server.child)) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}
