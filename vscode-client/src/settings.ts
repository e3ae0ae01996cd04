// Mapping VS Code settings (section `refineLsp`) to what the server reads. Pure: no `vscode`
// import. package.json's contributes.configuration is the single list of settings; this module
// derives from it the initializationOptions, the didChangeConfiguration payload and the answers
// to workspace/configuration, so all three always agree.

export const SECTION = 'refineLsp';

/**
 * Settings only the client reads. The server rejects keys it does not know ("unknown setting"),
 * so these are never sent.
 */
export const CLIENT_ONLY = ['enable', 'server', 'trace'] as const;

/**
 * Settings whose change needs a new server process: how it is started, and what it reads once
 * at start (model endpoint and key variable, events store).
 */
export const RESTART_KEYS = [
  'server.path',
  'server.args',
  'model.apiBase',
  'model.apiKeyEnv',
  'acceptance.dbPath',
] as const;

export interface SettingSpec {
  /** Key below the section, e.g. "diagnostics.debounceMs". */
  key: string;
  default: unknown;
  /** ["string", "null"] settings: an empty string means null (the settings UI cannot say null). */
  nullableString: boolean;
}

interface PackageJsonLike {
  contributes?: { configuration?: unknown };
}

/** Every `refineLsp.*` setting contributed in package.json. */
export function settingSpecs(pkg: PackageJsonLike): SettingSpec[] {
  const conf = pkg.contributes?.configuration;
  const blocks = (Array.isArray(conf) ? conf : conf ? [conf] : []) as {
    properties?: Record<string, { type?: unknown; default?: unknown }>;
  }[];
  const specs: SettingSpec[] = [];
  for (const block of blocks) {
    for (const [full, schema] of Object.entries(block.properties ?? {})) {
      if (!full.startsWith(SECTION + '.')) continue;
      const type = schema.type;
      specs.push({
        key: full.slice(SECTION.length + 1),
        default: schema.default,
        nullableString: Array.isArray(type) && type.includes('string') && type.includes('null'),
      });
    }
  }
  return specs;
}

export function isClientOnly(key: string): boolean {
  const head = key.split('.')[0];
  return (CLIENT_ONLY as readonly string[]).includes(head);
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function normalizeValue(spec: SettingSpec, value: unknown): unknown {
  if (value === undefined) return spec.default ?? null;
  if (spec.nullableString && typeof value === 'string' && value.trim() === '') return null;
  return value;
}

/**
 * The nested camelCase object the server parses, e.g. {diagnostics: {debounceMs: 100}, ...}.
 * `get(key)` returns the effective value of `refineLsp.<key>` (the user's or the default).
 * Values are passed as they are: the server validates them and reports bad ones.
 */
export function serverSettings(
  specs: readonly SettingSpec[],
  get: (key: string) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    if (isClientOnly(spec.key)) continue;
    setPath(out, spec.key, normalizeValue(spec, get(spec.key)));
  }
  return out;
}

/** initializationOptions of the initialize request: the server settings object itself. */
export function initializationOptions(
  specs: readonly SettingSpec[],
  get: (key: string) => unknown,
): Record<string, unknown> {
  return serverSettings(specs, get);
}

/** The params of workspace/didChangeConfiguration. */
export function didChangeConfigurationParams(
  specs: readonly SettingSpec[],
  get: (key: string) => unknown,
): { settings: Record<string, unknown> } {
  return { settings: { [SECTION]: serverSettings(specs, get) } };
}

function clone(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function getPath(obj: unknown, key: string): unknown {
  let node = obj;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * Rewrites one workspace/configuration answer (`value` is what VS Code holds for `section`) into
 * what the server should see: client-only keys removed, empty nullable strings as null.
 * Sections other than refineLsp pass through unchanged.
 */
export function sanitizeConfiguration(
  specs: readonly SettingSpec[],
  section: string | null | undefined,
  value: unknown,
): unknown {
  if (!section) {
    // The whole configuration: only the refineLsp part is ours.
    if (typeof value !== 'object' || value === null || !(SECTION in value)) return value;
    const copy = clone(value) as Record<string, unknown>;
    copy[SECTION] = sanitizeConfiguration(specs, SECTION, copy[SECTION]);
    return copy;
  }
  if (section !== SECTION && !section.startsWith(SECTION + '.')) return value;
  const prefix = section === SECTION ? '' : section.slice(SECTION.length + 1);
  if (prefix && isClientOnly(prefix)) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const spec = specs.find((s) => s.key === prefix);
    return spec ? normalizeValue(spec, value) : value;
  }
  const copy = clone(value) as Record<string, unknown>;
  if (!prefix) for (const key of CLIENT_ONLY) delete copy[key];
  for (const spec of specs) {
    if (!spec.nullableString) continue;
    const rel = prefix ? (spec.key.startsWith(prefix + '.') ? spec.key.slice(prefix.length + 1) : null) : spec.key;
    if (rel === null) continue;
    const current = getPath(copy, rel);
    if (current !== undefined) setPath(copy, rel, normalizeValue(spec, current));
  }
  return copy;
}

/** Whether a configuration change needs a new server process. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_KEYS.some((key) => affects(`${SECTION}.${key}`));
}

/** Whether a configuration change concerns the server at all (anything but client-only keys). */
export function affectsServer(
  specs: readonly SettingSpec[],
  affects: (section: string) => boolean,
): boolean {
  return specs.some((s) => !isClientOnly(s.key) && affects(`${SECTION}.${s.key}`));
}

/** The model shown in the status bar: the solver, else the refiner, else the reviewer. */
export function modelInUse(settings: Record<string, unknown>): {
  label: string;
  models: Record<string, string | null>;
} {
  const model = (settings.model ?? {}) as Record<string, unknown>;
  const models: Record<string, string | null> = {};
  for (const role of ['solver', 'refiner', 'reviewer']) {
    const v = model[role];
    models[role] = typeof v === 'string' && v.trim() !== '' ? v : null;
  }
  const label = models.solver ?? models.refiner ?? models.reviewer ?? 'offline';
  return { label, models };
}
