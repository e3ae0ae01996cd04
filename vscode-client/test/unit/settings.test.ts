import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  affectsServer,
  didChangeConfigurationParams,
  initializationOptions,
  modelInUse,
  needsRestart,
  sanitizeConfiguration,
  serverSettings,
  settingSpecs,
} from '../../src/settings';
import { packageJson, REPO_ROOT, testPython } from '../helpers';

const specs = settingSpecs(packageJson());
const defaults = (key: string) => specs.find((s) => s.key === key)?.default;

/** Flattens {a: {b: 1}} to {"a.b": 1}. */
function leaves(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, leaves(v as Record<string, unknown>, key));
    else out[key] = v;
  }
  return out;
}

const EXPECTED_DEFAULTS = {
  reviewers: { syntax: true, ruff: true },
  ruff: { select: [], timeoutS: 10 },
  diagnostics: { debounceMs: 100 },
  fixAll: { rules: ['ruff-safe-fixes', 'compare-to-none', 'organize-imports'], precompute: true },
  model: {
    solver: null,
    reviewer: null,
    refiner: null,
    apiBase: null,
    apiKeyEnv: null,
    timeoutS: 30,
    retries: 2,
    maxTokensPerAction: 20000,
    maxCostPerAction: 0.05,
  },
  refine: { maxModelCalls: 8, maxTestRuns: 150, maxSeconds: 90, testTimeoutS: 10, memoryMb: 1024 },
  inline: { enabled: true, debounceMs: 150, maxPrefixChars: 6000, maxSuffixChars: 2000 },
  rename: { enabled: true },
  move: { reexport: false },
  index: { enabled: true, maxFileKb: 1024 },
  hints: { severity: 'hint' },
  acceptance: { enabled: true, keepAccepted: 0.95, callCostS: 0.36, rejectedCostS: 1.66, storeSource: false, record: true, dbPath: null },
};

describe('settings mapping', () => {
  it('sends every server setting with its default, nested camelCase, no client-only keys', () => {
    assert.deepEqual(initializationOptions(specs, defaults), EXPECTED_DEFAULTS);
  });

  it("package.json defaults equal settings.py's (to_json(Settings()))", (t) => {
    const { python } = testPython();
    if (!python) return t.skip('no Python with refine_lsp (set REFINE_LSP_PYTHON)');
    const out = execFileSync(
      python,
      ['-c', 'import json; from refine_lsp.settings import Settings, to_json; print(json.dumps(to_json(Settings())))'],
      { cwd: REPO_ROOT, env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'server') }, encoding: 'utf8' },
    );
    const fromPython = leaves(JSON.parse(out));
    const fromPackage = leaves(initializationOptions(specs, defaults));
    assert.deepEqual(Object.keys(fromPackage).sort(), Object.keys(fromPython).sort());
    assert.deepEqual(fromPackage, fromPython);
  });

  it("package.json minimum/maximum equal settings.py's ranges", (t) => {
    const { python } = testPython();
    if (!python) return t.skip('no Python with refine_lsp (set REFINE_LSP_PYTHON)');
    const out = execFileSync(
      python,
      ['-c', 'import json; from refine_lsp.settings import _RANGES; print(json.dumps(_RANGES))'],
      { cwd: REPO_ROOT, env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'server') }, encoding: 'utf8' },
    );
    const props = (packageJson().contributes.configuration as { properties: Record<string, { minimum?: number; maximum?: number }> }).properties;
    const ranges = JSON.parse(out) as Record<string, [number, number]>;
    assert.ok(Object.keys(ranges).length > 0);
    for (const [snake, [lo, hi]] of Object.entries(ranges)) {
      const key = 'refineLsp.' + snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      assert.deepEqual([props[key]?.minimum, props[key]?.maximum], [lo, hi], key);
    }
  });

  it("passes the user's values and turns an empty nullable string into null", () => {
    const user: Record<string, unknown> = {
      'model.solver': 'openai/gpt-4o-mini',
      'model.apiBase': '  ',
      'ruff.select': ['E', 'F'],
      'diagnostics.debounceMs': 250,
      'server.path': '/x/refine-lsp',
    };
    const got = serverSettings(specs, (k) => (k in user ? user[k] : defaults(k)));
    assert.equal((got.model as Record<string, unknown>).solver, 'openai/gpt-4o-mini');
    assert.equal((got.model as Record<string, unknown>).apiBase, null);
    assert.deepEqual(got.ruff, { select: ['E', 'F'], timeoutS: 10 });
    assert.deepEqual(got.diagnostics, { debounceMs: 250 });
    assert.ok(!('server' in got) && !('trace' in got));
  });

  it('wraps didChangeConfiguration settings in the refineLsp section', () => {
    assert.deepEqual(didChangeConfigurationParams(specs, defaults), { settings: { refineLsp: EXPECTED_DEFAULTS } });
  });

  it('contributes every setting with a description and the client-only ones', () => {
    const props = (packageJson().contributes.configuration as { properties: Record<string, { markdownDescription?: string }> }).properties;
    for (const [key, schema] of Object.entries(props)) {
      assert.ok((schema.markdownDescription ?? '').length > 20, `${key} has a description`);
    }
    for (const key of ['enable', 'server.path', 'server.args', 'trace.server']) {
      assert.ok(`refineLsp.${key}` in props, key);
    }
  });

  it("fixAll.rules allows exactly the server's rule ids (FIX_ALL_RULES), with their descriptions", (t) => {
    const { python } = testPython();
    if (!python) return t.skip('no Python with refine_lsp (set REFINE_LSP_PYTHON)');
    const out = execFileSync(
      python,
      ['-c', 'import json; from refine_lsp.refactor.fix_all import FIX_ALL_RULES; print(json.dumps(FIX_ALL_RULES))'],
      { cwd: REPO_ROOT, env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'server') }, encoding: 'utf8' },
    );
    const rules = JSON.parse(out) as Record<string, string>;
    const props = (packageJson().contributes.configuration as { properties: Record<string, { items: { enum: string[]; enumDescriptions: string[] } }> }).properties;
    const items = props['refineLsp.fixAll.rules'].items;
    assert.deepEqual(items.enum, Object.keys(rules));
    assert.equal(items.enumDescriptions.length, items.enum.length);
    for (const d of items.enumDescriptions) assert.ok(d.length > 20);
  });
});

describe('workspace/configuration answers', () => {
  const vscodeValue = {
    enable: true,
    server: { path: '/x', args: [] },
    trace: { server: 'verbose' },
    model: { solver: '', apiBase: 'http://localhost:11434', timeoutS: 30 },
    diagnostics: { debounceMs: 100 },
  };
  it('strips client-only keys from the refineLsp section and nulls empty model names', () => {
    assert.deepEqual(sanitizeConfiguration(specs, 'refineLsp', vscodeValue), {
      model: { solver: null, apiBase: 'http://localhost:11434', timeoutS: 30 },
      diagnostics: { debounceMs: 100 },
    });
    assert.equal((vscodeValue.server as { path: string }).path, '/x', 'input left untouched');
  });
  it('handles sub-sections, single values, the whole configuration and foreign sections', () => {
    assert.deepEqual(sanitizeConfiguration(specs, 'refineLsp.model', { solver: '', retries: 2 }), { solver: null, retries: 2 });
    assert.equal(sanitizeConfiguration(specs, 'refineLsp.model.solver', ''), null);
    assert.equal(sanitizeConfiguration(specs, 'refineLsp.server', { path: '/x' }), null);
    assert.deepEqual(sanitizeConfiguration(specs, undefined, { refineLsp: vscodeValue, editor: { tabSize: 4 } }), {
      refineLsp: {
        model: { solver: null, apiBase: 'http://localhost:11434', timeoutS: 30 },
        diagnostics: { debounceMs: 100 },
      },
      editor: { tabSize: 4 },
    });
    assert.deepEqual(sanitizeConfiguration(specs, 'python', { x: 1 }), { x: 1 });
  });
});

describe('restart and status', () => {
  const affects = (changed: string[]) => (section: string) =>
    changed.some((c) => c === section || c.startsWith(section + '.') || section.startsWith(c + '.'));
  it('restarts for server.path, server.args, model.apiBase, model.apiKeyEnv, acceptance.dbPath only', () => {
    for (const key of ['server.path', 'server.args', 'model.apiBase', 'model.apiKeyEnv', 'acceptance.dbPath']) {
      assert.ok(needsRestart(affects([`refineLsp.${key}`])), key);
    }
    for (const key of ['diagnostics.debounceMs', 'model.solver', 'trace.server', 'inline.enabled']) {
      assert.ok(!needsRestart(affects([`refineLsp.${key}`])), key);
    }
  });
  it('knows which changes concern the server', () => {
    assert.ok(affectsServer(specs, affects(['refineLsp.ruff.select'])));
    assert.ok(!affectsServer(specs, affects(['refineLsp.trace.server'])));
  });
  it('shows the solver, else refiner, else reviewer, else offline', () => {
    assert.equal(modelInUse(initializationOptions(specs, defaults)).label, 'offline');
    assert.equal(modelInUse({ model: { solver: null, refiner: 'ollama/qwen2.5-coder', reviewer: 'x' } }).label, 'ollama/qwen2.5-coder');
    assert.equal(modelInUse({ model: { solver: 'openai/gpt-4o-mini', refiner: 'y' } }).label, 'openai/gpt-4o-mini');
    assert.equal(modelInUse({ model: { solver: ' ' } }).label, 'offline');
  });
});
