import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InlineSuggestionTracker, lspTriggerKind, suggestionId } from '../../src/inlineTracker';
import { ProgressTracker } from '../../src/progressTracker';
import { RestartPolicy } from '../../src/restartPolicy';
import { mergeReport } from '../../src/serverStatus';
import { statusView } from '../../src/statusText';

describe('RestartPolicy', () => {
  it('restarts up to the limit inside the window, then stops with a message', () => {
    let now = 0;
    const policy = new RestartPolicy(3, 60_000, () => now);
    const decisions = [0, 1, 2, 3].map(() => {
      now += 1000;
      return policy.onCrash();
    });
    assert.deepEqual(decisions.map((d) => d.restart), [true, true, true, false]);
    assert.deepEqual(decisions.map((d) => d.delayMs), [250, 500, 1000, 0], 'each restart waits longer');
    assert.equal(
      decisions[1].message,
      'The refine-lsp server stopped unexpectedly; restarting it in 500 ms (2 of 3 restarts allowed in 1 min).',
    );
    assert.match(decisions[3].message, /crashed 4 times in 1 min and will not be restarted automatically/);
    assert.match(decisions[3].message, /"Restart Server" tries again/);
  });
  it('caps the backoff', () => {
    const policy = new RestartPolicy(10, 60_000, () => 0, 1000, 3000);
    assert.deepEqual([1, 2, 3, 4].map(() => policy.onCrash().delayMs), [1000, 2000, 3000, 3000]);
  });
  it('forgets crashes older than the window and after a deliberate restart', () => {
    let now = 0;
    const policy = new RestartPolicy(2, 60_000, () => now);
    policy.onCrash();
    policy.onCrash();
    now = 61_000;
    assert.equal(policy.onCrash().crashes, 1);
    policy.onCrash();
    policy.reset();
    assert.equal(policy.onCrash().crashes, 1);
  });
});

describe('InlineSuggestionTracker', () => {
  function tracker() {
    const rejected: string[] = [];
    return { t: new InlineSuggestionTracker((id) => rejected.push(id)), rejected };
  }
  it("maps VS Code's trigger kinds to LSP 3.18's", () => {
    assert.deepEqual([0, 1].map(lspTriggerKind), [1, 2]);
  });
  it('reads the id from a string or {id} first argument', () => {
    assert.equal(suggestionId({ command: 'refineLsp.suggestionAccepted', arguments: ['s1'] }), 's1');
    assert.equal(suggestionId({ command: 'refineLsp.suggestionAccepted', arguments: [{ id: 7 }] }), '7');
    assert.equal(suggestionId({ command: 'x' }), undefined);
    assert.equal(suggestionId(undefined), undefined);
  });
  it('an accepted suggestion is never reported rejected', () => {
    const { t, rejected } = tracker();
    t.shown('file:///a.py', ['s1']);
    t.accepted('s1');
    t.dismiss();
    t.shown('file:///a.py', ['s2']);
    assert.deepEqual(rejected, []);
    assert.deepEqual(t.pending(), ['s2']);
  });
  it('a different suggestion replacing the shown one (user typed on) rejects it once', () => {
    const { t, rejected } = tracker();
    t.shown('file:///a.py', ['s1', 's1b']);
    t.shown('file:///a.py', ['s1']); // same suggestion re-served while typing through
    t.shown('file:///a.py', []); // nothing new: VS Code keeps showing s1
    assert.deepEqual(rejected, []);
    t.shown('file:///a.py', ['s2']);
    t.shown('file:///a.py', ['s1']); // already settled: not shown again, not re-reported
    assert.deepEqual(rejected, ['s1']);
    assert.deepEqual(t.pending(), ['s2']);
  });
  it('Escape rejects what the document shows; other documents keep theirs', () => {
    const { t, rejected } = tracker();
    t.shown('file:///a.py', ['a1']);
    t.shown('file:///b.py', ['b1']);
    t.dismiss('file:///a.py');
    assert.deepEqual(rejected, ['a1']);
    t.left('file:///b.py');
    assert.deepEqual(rejected, ['a1', 'b1']);
    t.dismiss();
    assert.deepEqual(rejected, ['a1', 'b1']);
  });
  it('drops ids unreported when the server restarts', () => {
    const { t, rejected } = tracker();
    t.shown('file:///a.py', ['a1']);
    t.forgetAll();
    t.dismiss();
    assert.deepEqual(rejected, []);
  });
});

describe('ProgressTracker and status bar', () => {
  it('is busy between begin and end of each token, and clears when the server stops', () => {
    const seen: boolean[] = [];
    const p = new ProgressTracker((busy) => seen.push(busy));
    p.handle('a', { kind: 'begin' });
    p.handle(1, { kind: 'begin' });
    p.handle('a', { kind: 'report' });
    p.handle('a', { kind: 'end' });
    assert.equal(p.count, 1);
    p.handle('1', { kind: 'end' }); // string "1" is not token 1
    assert.equal(p.count, 1);
    p.clear();
    assert.equal(p.count, 0);
    assert.deepEqual(seen, [true, true, true, false]);
  });
  const model = { label: 'offline', models: { solver: null, refiner: null, reviewer: null } };
  it('shows the model, work in progress, and every server state', () => {
    const idle = statusView({ state: 'running', model, busyCount: 0, detail: 'refine-lsp on PATH: /bin/refine-lsp' });
    assert.deepEqual(idle, {
      text: '$(check) Refine: offline',
      detail: 'no model: deterministic features only · refine-lsp on PATH: /bin/refine-lsp',
      severity: 'information',
      busy: false,
      command: { title: 'Show Log', command: 'refineLsp.openServerLog' },
    });
    const busy = statusView({ state: 'running', model: { ...model, label: 'openai/gpt-4o-mini' }, busyCount: 2 });
    assert.equal(busy.text, '$(sync~spin) Refine: openai/gpt-4o-mini');
    assert.equal(busy.detail, '2 tasks in progress');
    assert.ok(busy.busy);
    const restarting = statusView({ state: 'restarting', model, busyCount: 0, reason: 'was killed (SIGKILL); restart 1 of 5 in 250 ms' });
    assert.deepEqual([restarting.text, restarting.severity, restarting.busy], ['$(sync~spin) Refine: restarting', 'warning', true]);
    assert.match(restarting.detail, /restart 1 of 5 in 250 ms/);
    const failed = statusView({ state: 'failed', model, busyCount: 0, reason: 'crashed 6 times' });
    assert.deepEqual(
      [failed.text, failed.detail, failed.severity, failed.command.command],
      ['$(error) Refine: not running', 'crashed 6 times', 'error', 'refineLsp.restartServer'],
    );
    assert.equal(statusView({ state: 'disabled', model, busyCount: 0 }).text, '$(circle-slash) Refine: disabled');
    assert.ok(statusView({ state: 'starting', model, busyCount: 0 }).busy);
  });
  it("shows what the server reports: its model, hidden hints, its work and a model error", () => {
    const view = statusView({
      state: 'running',
      model,
      busyCount: 0,
      report: { model: 'openai/gpt-4o-mini', hiddenHints: 3, work: ['Fix failing tests'] },
    });
    assert.equal(view.text, '$(sync~spin) Refine: openai/gpt-4o-mini');
    assert.equal(view.detail, '1 task in progress (Fix failing tests) · 3 hints hidden');
    const broken = statusView({
      state: 'running',
      model,
      busyCount: 0,
      report: { model: 'openai/gpt-4o-mini', hiddenHints: 1, modelError: 'OPENAI_API_KEY is not set' },
    });
    assert.deepEqual([broken.text, broken.severity], ['$(warning) Refine: openai/gpt-4o-mini (model error)', 'error']);
    assert.equal(broken.detail, 'model error: OPENAI_API_KEY is not set · 1 hint hidden');
  });
});

describe('$/refineLsp/status', () => {
  it('updates only the fields sent, and names the malformed ones', () => {
    let { report, ignored } = mergeReport({}, { model: 'm', hiddenHints: 2, work: [] });
    assert.deepEqual([report, ignored], [{ model: 'm', hiddenHints: 2, work: [] }, []]);
    ({ report, ignored } = mergeReport(report, { modelError: 'quota exceeded', hiddenHints: -1, extra: 1 }));
    assert.deepEqual(report, { model: 'm', hiddenHints: 2, work: [], modelError: 'quota exceeded' });
    assert.deepEqual(ignored, ['hiddenHints', 'extra']);
    ({ report } = mergeReport(report, { modelError: null, model: null }));
    assert.deepEqual(report, { model: null, hiddenHints: 2, work: [], modelError: null });
    assert.deepEqual(mergeReport(report, [1]).ignored, ['(not an object)']);
  });
});
