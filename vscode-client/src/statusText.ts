// What the language status item (shown for Python files) says. Pure.

import { ServerReport } from './serverStatus';

export type ServerState = 'disabled' | 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';

export type StatusSeverity = 'information' | 'warning' | 'error';

export interface StatusView {
  text: string;
  detail: string;
  severity: StatusSeverity;
  busy: boolean;
  /** What clicking it does. */
  command: { title: string; command: string };
}

const SHOW_LOG = { title: 'Show Log', command: 'refineLsp.openServerLog' };
const RESTART = { title: 'Restart Server', command: 'refineLsp.restartServer' };

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

export function statusView(opts: {
  state: ServerState;
  /** The model the settings name (solver, else refiner, else reviewer; 'offline': none). */
  model: { label: string; models: Record<string, string | null> };
  /** What the server last reported about itself. */
  report?: ServerReport;
  /** Progress in flight (server work-done progress and our own long requests). */
  busyCount: number;
  /** Where the server came from (discovery). */
  detail?: string;
  /** Why it is restarting or failed, one line. */
  reason?: string;
}): StatusView {
  const { state, busyCount } = opts;
  const report = opts.report ?? {};
  const where = opts.detail ? ` · ${opts.detail}` : '';
  const why = opts.reason ? ` · ${opts.reason}` : '';
  switch (state) {
    case 'disabled':
      return {
        text: '$(circle-slash) Refine: disabled',
        detail: 'refineLsp.enable is off',
        severity: 'information',
        busy: false,
        command: { title: 'Open Settings', command: 'workbench.action.openSettings' },
      };
    case 'stopped':
      return { text: '$(circle-slash) Refine: stopped', detail: `not running${where}`, severity: 'information', busy: false, command: RESTART };
    case 'failed':
      return { text: '$(error) Refine: not running', detail: `${opts.reason ?? 'the server is not running'}${where}`, severity: 'error', busy: false, command: RESTART };
    case 'starting':
      return { text: '$(sync~spin) Refine: starting', detail: `starting the server${where}`, severity: 'information', busy: true, command: SHOW_LOG };
    case 'restarting':
      return { text: '$(sync~spin) Refine: restarting', detail: `the server stopped${why}${where}`, severity: 'warning', busy: true, command: SHOW_LOG };
  }
  const label = report.model !== undefined ? report.model ?? 'offline' : opts.model.label;
  const work = report.work ?? [];
  const tasks = Math.max(busyCount, work.length);
  const parts: string[] = [];
  if (report.modelError) parts.push(`model error: ${report.modelError}`);
  if (tasks > 0) parts.push(`${plural(tasks, 'task')} in progress${work.length ? ` (${work.join(', ')})` : ''}`);
  if (report.hiddenHints !== undefined) parts.push(`${plural(report.hiddenHints, 'hint')} hidden`);
  if (label === 'offline') parts.push('no model: deterministic features only');
  const detail = (parts.length ? parts.join(' · ') : 'running') + where;
  if (report.modelError) {
    return { text: `$(warning) Refine: ${label} (model error)`, detail, severity: 'error', busy: tasks > 0, command: SHOW_LOG };
  }
  const icon = tasks > 0 ? '$(sync~spin)' : '$(check)';
  return { text: `${icon} Refine: ${label}`, detail, severity: 'information', busy: tasks > 0, command: SHOW_LOG };
}
