import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  discoverServer,
  DiscoveryHost,
  DiscoveryInput,
  expandArgs,
  expandPath,
  findOnPath,
  looksLikePython,
} from '../../src/discovery';

function host(files: string[], pythonsWithModule: string[][] = []): DiscoveryHost & { probed: string[][] } {
  const probed: string[][] = [];
  return {
    probed,
    isFile: (p) => files.includes(p),
    hasModule: async (cmd) => {
      probed.push([...cmd]);
      return pythonsWithModule.some((c) => c.join(' ') === cmd.join(' '));
    },
  };
}

function input(over: Partial<DiscoveryInput> = {}): DiscoveryInput {
  return {
    settingPath: '',
    extraArgs: [],
    pythonCommand: undefined,
    env: { PATH: '/usr/local/bin:/usr/bin' },
    platform: 'linux',
    ...over,
  };
}

describe('discoverServer', () => {
  it('uses refineLsp.server.path first, even when the interpreter and PATH have the server', async () => {
    const h = host(['/opt/refine/bin/refine-lsp', '/usr/bin/refine-lsp'], [['/p/.venv/bin/python']]);
    const r = await discoverServer(
      input({
        settingPath: '/opt/refine/bin/refine-lsp',
        extraArgs: ['--log-file', '/tmp/r.log'],
        pythonCommand: ['/p/.venv/bin/python'],
      }),
      h,
    );
    assert.ok(r.ok);
    assert.equal(r.launch.source, 'setting');
    assert.equal(r.launch.command, '/opt/refine/bin/refine-lsp');
    assert.deepEqual(r.launch.args, ['serve', '--log-file', '/tmp/r.log']);
    assert.deepEqual(h.probed, [], 'the interpreter is not even probed');
  });

  it('runs a server.path that is an interpreter as python -m refine_lsp serve', async () => {
    const r = await discoverServer(
      input({ settingPath: '/opt/py/bin/python3.11', extraArgs: ['--tcp', '127.0.0.1:9'] }),
      host(['/opt/py/bin/python3.11']),
    );
    assert.ok(r.ok);
    assert.equal(r.launch.command, '/opt/py/bin/python3.11');
    assert.deepEqual(r.launch.args, ['-m', 'refine_lsp', 'serve', '--tcp', '127.0.0.1:9']);
  });

  it('reports a server.path that is not a file instead of silently falling back', async () => {
    const r = await discoverServer(
      input({ settingPath: '/nope/refine-lsp', pythonCommand: ['/p/python'] }),
      host(['/usr/bin/refine-lsp'], [['/p/python']]),
    );
    assert.ok(!r.ok);
    assert.match(r.message, /refineLsp\.server\.path is set to "\/nope\/refine-lsp", which is not a file/);
    assert.match(r.message, /Fix: /);
  });

  it('uses the selected interpreter when it has refine_lsp, before PATH', async () => {
    const h = host(['/usr/bin/refine-lsp'], [['/p/.venv/bin/python']]);
    const r = await discoverServer(input({ pythonCommand: ['/p/.venv/bin/python'], extraArgs: ['-v'] }), h);
    assert.ok(r.ok);
    assert.equal(r.launch.source, 'python');
    assert.equal(r.launch.command, '/p/.venv/bin/python');
    assert.deepEqual(r.launch.args, ['-m', 'refine_lsp', 'serve', '-v']);
  });

  it('keeps a multi-word interpreter command (conda run) in front of -m', async () => {
    const conda = ['conda', 'run', '-n', 'work', 'python'];
    const r = await discoverServer(input({ pythonCommand: conda }), host([], [conda]));
    assert.ok(r.ok);
    assert.equal(r.launch.command, 'conda');
    assert.deepEqual(r.launch.args, ['run', '-n', 'work', 'python', '-m', 'refine_lsp', 'serve']);
  });

  it('falls back to refine-lsp on PATH when the interpreter lacks the package', async () => {
    const h = host(['/usr/bin/refine-lsp']);
    const r = await discoverServer(input({ pythonCommand: ['/p/python'] }), h);
    assert.ok(r.ok);
    assert.equal(r.launch.source, 'path');
    assert.equal(r.launch.command, '/usr/bin/refine-lsp');
    assert.deepEqual(r.launch.args, ['serve']);
    assert.deepEqual(h.probed, [['/p/python']]);
    assert.match(r.tried[0], /refine_lsp is not installed/);
  });

  it('says what it tried and how to fix it when nothing is found', async () => {
    const r = await discoverServer(input({ pythonCommand: ['/p/.venv/bin/python'] }), host([]));
    assert.ok(!r.ok);
    assert.equal(r.tried.length, 2);
    assert.match(r.message, /could not find the refine-lsp server/);
    assert.match(r.message, /`\/p\/.venv\/bin\/python -m pip install refine-lsp`/);
    assert.match(r.message, /refineLsp\.server\.path/);
  });

  it('without a Python extension suggests selecting an interpreter', async () => {
    const r = await discoverServer(input(), host([]));
    assert.ok(!r.ok);
    assert.match(r.message, /select a Python interpreter that has refine-lsp installed/);
  });
});

describe('findOnPath', () => {
  it('returns the first directory on PATH holding the executable', () => {
    const files = ['/b/refine-lsp', '/c/refine-lsp'];
    assert.equal(findOnPath('refine-lsp', { PATH: '/a::/b:/c' }, 'linux', (p) => files.includes(p)), '/b/refine-lsp');
  });
  it('tries PATHEXT extensions on Windows and reads Path', () => {
    const files = ['C:\\tools\\refine-lsp.exe'];
    const found = findOnPath(
      'refine-lsp',
      { Path: 'C:\\bin;C:\\tools', PATHEXT: '.COM;.EXE' },
      'win32',
      (p) => files.includes(p),
    );
    assert.equal(found, 'C:\\tools\\refine-lsp.exe');
  });
  it('returns undefined when absent', () => {
    assert.equal(findOnPath('refine-lsp', {}, 'linux', () => false), undefined);
  });
});

describe('expandPath and looksLikePython', () => {
  const ctx = { home: '/home/u', workspaceFolder: '/w/proj' };
  it('expands ~, ${userHome} and ${workspaceFolder}', () => {
    assert.equal(expandPath('~/bin/refine-lsp', ctx), '/home/u/bin/refine-lsp');
    assert.equal(expandPath('${userHome}/x', ctx), '/home/u/x');
    assert.equal(expandPath('${workspaceFolder}/.venv/bin/python', ctx), '/w/proj/.venv/bin/python');
  });
  it('resolves a relative path against the workspace folder, leaves a bare name alone', () => {
    assert.equal(expandPath('.venv/bin/refine-lsp', ctx), '/w/proj/.venv/bin/refine-lsp');
    assert.equal(expandPath('refine-lsp', ctx), 'refine-lsp');
    assert.equal(expandPath('   ', ctx), '');
  });
  it('expands variables in server.args but nothing else', () => {
    assert.deepEqual(expandArgs(['--log-file', '${workspaceFolder}/r.log', '~/x', '${userHome}'], ctx), [
      '--log-file',
      '/w/proj/r.log',
      '~/x',
      '/home/u',
    ]);
  });
  it('recognises interpreters by name', () => {
    for (const p of ['/usr/bin/python', '/usr/bin/python3', '/x/python3.11', 'C:\\Py\\python.exe', 'pythonw.exe']) {
      assert.ok(looksLikePython(p), p);
    }
    for (const p of ['/usr/bin/refine-lsp', '/x/python-config', '/x/ipython']) {
      assert.ok(!looksLikePython(p), p);
    }
  });
});
