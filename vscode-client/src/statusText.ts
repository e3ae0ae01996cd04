// Text of the status bar item. Pure.

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusView {
  text: string;
  tooltip: string;
}

export function statusView(opts: {
  state: ServerState;
  model: { label: string; models: Record<string, string | null> };
  busyCount: number;
  detail?: string;
}): StatusView {
  const { state, model, busyCount } = opts;
  const roles = Object.entries(model.models)
    .map(([role, name]) => `${role}: ${name ?? 'none'}`)
    .join(', ');
  const where = opts.detail ? `\nServer: ${opts.detail}` : '';
  if (state === 'failed') {
    return { text: '$(error) Refine', tooltip: `Refine LSP is not running.${where}\nClick to open the log.` };
  }
  if (state === 'stopped') {
    return { text: '$(circle-slash) Refine', tooltip: `Refine LSP is stopped.${where}` };
  }
  const icon = state === 'starting' || busyCount > 0 ? '$(sync~spin)' : '$(check)';
  const work = busyCount > 0 ? `\n${busyCount} task${busyCount === 1 ? '' : 's'} in progress` : '';
  const starting = state === 'starting' ? '\nStarting…' : '';
  return {
    text: `${icon} Refine: ${model.label}`,
    tooltip: `Refine LSP, model ${model.label === 'offline' ? 'none (offline: deterministic features only)' : model.label} (${roles})${where}${starting}${work}\nClick to open the log.`,
  };
}
