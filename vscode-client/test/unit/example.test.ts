import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { settingSpecs } from '../../src/settings';
import { CLIENT_ROOT, packageJson } from '../helpers';

it('examples/settings.json turns on fix-all and organize imports on save and uses real settings', () => {
  const text = fs.readFileSync(path.join(CLIENT_ROOT, 'examples', 'settings.json'), 'utf8');
  // settings.json is JSON with comments; this file only has whole-line comments.
  const example = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
  assert.deepEqual(example['editor.codeActionsOnSave'], {
    'source.fixAll.refine': 'explicit',
    'source.organizeImports': 'explicit',
  });
  for (const arg of example['refineLsp.server.args'] ?? []) {
    assert.doesNotMatch(arg, /workspaceFolder/, 'the example writes nothing into the workspace');
  }
  const known = new Set(settingSpecs(packageJson()).map((s) => `refineLsp.${s.key}`));
  for (const key of Object.keys(example).filter((k) => k.startsWith('refineLsp.'))) {
    assert.ok(known.has(key), `${key} is a contributed setting`);
  }
});
