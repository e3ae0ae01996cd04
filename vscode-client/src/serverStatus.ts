// What the server says about itself in `$/refineLsp/status` notifications: the model it uses,
// how many hints it hides, a model error and the work in progress. Every field is optional and
// a notification updates only the fields it carries, so the server can send just what changed.
// Pure: no `vscode` import.

export const STATUS_NOTIFICATION = '$/refineLsp/status';

export interface ServerReport {
  /** The model the server uses (null: none, deterministic features only). */
  model?: string | null;
  /** Hints the server keeps back (the acceptance model predicts they would be dismissed). */
  hiddenHints?: number;
  /** The model's last failure in one line (missing key, unreachable base URL...); null: none. */
  modelError?: string | null;
  /** Titles of the long actions running now. */
  work?: string[];
}

/** `prev` updated with the well-formed fields of `params`; the others are named in `ignored`. */
export function mergeReport(
  prev: ServerReport,
  params: unknown,
): { report: ServerReport; ignored: string[] } {
  const report = { ...prev };
  const ignored: string[] = [];
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { report, ignored: ['(not an object)'] };
  }
  for (const [key, value] of Object.entries(params)) {
    if (key === 'model' && (value === null || typeof value === 'string')) report.model = value;
    else if (key === 'hiddenHints' && Number.isInteger(value) && (value as number) >= 0) {
      report.hiddenHints = value as number;
    } else if (key === 'modelError' && (value === null || typeof value === 'string')) {
      report.modelError = value === '' ? null : value;
    } else if (key === 'work' && Array.isArray(value) && value.every((w) => typeof w === 'string')) {
      report.work = value;
    } else ignored.push(key);
  }
  return { report, ignored };
}
