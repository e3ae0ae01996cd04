import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CodeAction, Command } from 'vscode-languageserver-protocol';
import { codeActionParams, formatAcceptanceStats, kindMatches, pickActions, REFINE_COMMANDS } from '../../src/refineActions';
import { packageJson } from '../helpers';

describe('refine commands', () => {
  it('map each command to its refactor.rewrite.refine.* kind and are contributed', () => {
    assert.deepEqual(
      Object.fromEntries(REFINE_COMMANDS.map((c) => [c.command, c.kind])),
      {
        'refineLsp.refineWithChecks': 'refactor.rewrite.refine.refine',
        'refineLsp.fixFailingTests': 'refactor.rewrite.refine.fix',
        'refineLsp.runTestsForFunction': 'refactor.rewrite.refine.tests',
        'refineLsp.makeFaster': 'refactor.rewrite.refine.faster',
        'refineLsp.addPropertyTests': 'refactor.rewrite.refine.properties',
      },
    );
    const contributed = (packageJson().contributes.commands as { command: string }[]).map((c) => c.command);
    for (const c of [...REFINE_COMMANDS.map((r) => r.command), 'refineLsp.showAcceptanceStats', 'refineLsp.openServerLog', 'refineLsp.restartServer']) {
      assert.ok(contributed.includes(c), c);
    }
  });
  it('builds an invoked codeAction request restricted to the kind', () => {
    const range = { start: { line: 3, character: 4 }, end: { line: 3, character: 4 } };
    assert.deepEqual(codeActionParams('file:///p/a.py', range, ['refactor.rewrite.refine.fix']), {
      textDocument: { uri: 'file:///p/a.py' },
      range,
      context: { diagnostics: [], only: ['refactor.rewrite.refine.fix'], triggerKind: 1 },
    });
  });
  it('picks enabled actions of the kind or a sub-kind, preferred first; ignores bare commands', () => {
    const answer: (CodeAction | Command)[] = [
      { title: 'cmd', command: 'x' },
      { title: 'other', kind: 'refactor.rewrite.refine.faster' },
      { title: 'prefix trap', kind: 'refactor.rewrite.refine.fixes' },
      { title: 'fix A', kind: 'refactor.rewrite.refine.fix' },
      { title: 'fix B', kind: 'refactor.rewrite.refine.fix.tests', isPreferred: true },
      { title: 'fix C', kind: 'refactor.rewrite.refine.fix', disabled: { reason: 'no tests' } },
    ];
    assert.deepEqual(pickActions(answer, 'refactor.rewrite.refine.fix').map((a) => a.title), ['fix B', 'fix A']);
    assert.deepEqual(pickActions(null, 'refactor.rewrite.refine.fix'), []);
    assert.ok(kindMatches('refactor.rewrite.refine', 'refactor') && !kindMatches(undefined, 'refactor'));
  });
  it('formats acceptance statistics as a markdown table', () => {
    assert.equal(
      formatAcceptanceStats({ shown: 10, accepted: 4, rate: 0.4, byKind: { inline: 3 } }),
      '# Refine: acceptance statistics\n\n| statistic | value |\n| --- | --- |\n| shown | 10 |\n| accepted | 4 |\n| rate | 0.400 |\n\n## byKind\n\n```json\n{\n  "inline": 3\n}\n```\n\n',
    );
    assert.match(formatAcceptanceStats(null), /returned no statistics/);
  });
});
