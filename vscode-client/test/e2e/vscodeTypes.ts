// Value classes of the `vscode` API (EventEmitter, Uri, Position, Range, ...) as far as the
// extension and vscode-languageclient use them under test. See vscodeStub.ts.

import * as path from 'node:path';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (listener: Listener<T>, thisArg?: unknown, disposables?: Disposable[]): Disposable => {
    const bound: Listener<T> = (e) => listener.call(thisArg, e);
    this.listeners.push(bound);
    const d = new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== bound);
    });
    disposables?.push(d);
    return d;
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Disposable {
  constructor(private readonly fn: () => unknown = () => undefined) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string, readonly query = '', readonly fragment = '') {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static parse(s: string): Uri {
    const m = /^([a-zA-Z][\w+.-]*):(?:\/\/[^/]*)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(s);
    if (!m) throw new Error(`bad uri ${s}`);
    return new Uri(m[1], decodeURIComponent(m[2]), m[3] ?? '', m[4] ?? '');
  }
  get fsPath(): string {
    return this.path;
  }
  get authority(): string {
    return '';
  }
  with(change: { scheme?: string; path?: string }): Uri {
    return new Uri(change.scheme ?? this.scheme, change.path ?? this.path);
  }
  toString(): string {
    return `${this.scheme}://${encodeURI(this.path)}`;
  }
  toJSON(): unknown {
    return { scheme: this.scheme, path: this.path };
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
  isBefore(o: Position): boolean {
    return this.line < o.line || (this.line === o.line && this.character < o.character);
  }
  isAfter(o: Position): boolean {
    return o.isBefore(this);
  }
  isEqual(o: Position): boolean {
    return this.line === o.line && this.character === o.character;
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c as number, d as number) : (b as Position);
  }
  get isEmpty(): boolean {
    return this.start.isEqual(this.end);
  }
  intersection(o: Range): Range | undefined {
    const start = this.start.isBefore(o.start) ? o.start : this.start;
    const end = this.end.isBefore(o.end) ? this.end : o.end;
    return start.isAfter(end) ? undefined : new Range(start, end);
  }
}

export class Selection extends Range {
  constructor(readonly anchor: Position, readonly active: Position) {
    super(anchor.isBefore(active) ? anchor : active, anchor.isBefore(active) ? active : anchor);
  }
}

export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  token = {
    isCancellationRequested: false,
    onCancellationRequested: this.emitter.event,
  };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

export class CodeActionKind {
  static readonly Empty = new CodeActionKind('');
  constructor(readonly value: string) {}
  append(part: string): CodeActionKind {
    return new CodeActionKind(this.value ? `${this.value}.${part}` : part);
  }
  contains(o: CodeActionKind): boolean {
    return this.value === '' || o.value === this.value || o.value.startsWith(this.value + '.');
  }
  intersects(o: CodeActionKind): boolean {
    return this.contains(o) || o.contains(this);
  }
}

export class WorkspaceEdit {
  readonly edits: { uri: Uri; range: Range; newText: string }[] = [];
  replace(uri: Uri, range: Range, newText: string): void {
    this.edits.push({ uri, range, newText });
  }
  insert(uri: Uri, position: Position, newText: string): void {
    this.edits.push({ uri, range: new Range(position, position), newText });
  }
  delete(uri: Uri, range: Range): void {
    this.edits.push({ uri, range, newText: '' });
  }
  set(uri: Uri, edits: { range: Range; newText: string }[]): void {
    for (const e of edits) this.edits.push({ uri, range: e.range, newText: e.newText });
  }
  get size(): number {
    return this.edits.length;
  }
}

export class Plain {
  constructor(...args: unknown[]) {
    Object.assign(this, { args });
  }
}

