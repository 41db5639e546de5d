// PEP 3118 formats that Python's struct module refuses but NumPy exports:
// records 'T{<d:x: 3s:name:}', complex 'Zf'/'Zd' and UCS-4 strings '3w'.
// Sizes and offsets follow NumPy's own reader (numpy/_core/_internal.py,
// _dtype_from_pep3118): the byte-order prefix is sticky for the rest of the
// string, nested structs included, and only '@' aligns.
import { BufferError } from '../errors';
import { native } from '../native';

/** The type of one record field (or of a whole item). */
export type FieldType =
  | { readonly kind: 'scalar'; readonly format: string; readonly size: number }
  | { readonly kind: 'bytes'; readonly size: number }
  | { readonly kind: 'unicode'; readonly size: number; readonly chars: number; readonly littleEndian: boolean }
  | { readonly kind: 'complex'; readonly part: string; readonly size: number }
  | { readonly kind: 'record'; readonly fields: readonly RecordField[]; readonly size: number }
  | { readonly kind: 'array'; readonly shape: readonly number[]; readonly element: FieldType; readonly size: number };

export interface RecordField {
  readonly name: string;
  readonly offset: number;
  readonly type: FieldType;
}

export interface ParsedRecord {
  readonly type: FieldType;
  readonly itemsize: number;
  readonly alignment: number;
}

/**
 * Whether a format is one NumPy exports that struct refuses: a record, a
 * complex or a UCS-4 string. Other multi-item formats stay struct's.
 */
export function isExtendedFormat(format: string): boolean {
  return /^[@=<>!]?(?:T\{|Z|\d*w$)/.test(format);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function badFormat(format: string, at: number, why: string): BufferError {
  return new BufferError(
    'ERR_BUFFER_BAD_FORMAT',
    `bad format ${JSON.stringify(format)} at position ${at}: ${why}; see PEP 3118 (e.g. 'T{<d:x: 3s:name:}')`,
  );
}

class Stream {
  at = 0;
  order = '@';
  constructor(readonly text: string) {}
  get next(): string | undefined {
    return this.text[this.at];
  }
  consume(s: string): boolean {
    if (!this.text.startsWith(s, this.at)) return false;
    this.at += s.length;
    return true;
  }
  skipSpace(): void {
    while (this.next !== undefined && /\s/.test(this.next)) this.at++;
  }
  fail(why: string, at = this.at): never {
    throw badFormat(this.text, at, why);
  }
}

function lcm(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}

function scalar(s: Stream, code: string, start: number): { type: FieldType; align: number } {
  const prefix = s.order === '!' ? '>' : s.order;
  let parsed;
  try {
    parsed = native.core.parseFormat(prefix + code);
  } catch {
    return s.fail(`unknown format code '${code}'`, start);
  }
  return { type: { kind: 'scalar', format: prefix + code, size: parsed.itemsize }, align: parsed.alignment };
}

function littleEndian(order: string): boolean {
  return order === '<' || ((order === '@' || order === '=') && HOST_LITTLE_ENDIAN);
}

/** Reads fields up to '}' (nested) or the end (top level). */
function fieldList(
  s: Stream,
  nested: boolean,
  open: number,
): { type: FieldType & { kind: 'record' }; align: number; bare: boolean } {
  const fields: RecordField[] = [];
  const names = new Set<string>();
  let offset = 0;
  let common = 1;
  let padded = false;
  let unnamed = 0;
  for (;;) {
    s.skipSpace();
    if (s.next === undefined) {
      if (nested) s.fail("'T{' is never closed by '}'", open);
      break;
    }
    if (s.consume('}')) {
      if (!nested) s.fail("'}' without 'T{'", s.at - 1);
      break;
    }
    const start = s.at;
    let shape: number[] | null = null;
    if (s.consume('(')) {
      const close = s.text.indexOf(')', s.at);
      if (close < 0) s.fail("sub-array shape '(' is never closed by ')'", start);
      const dims = s.text.slice(s.at, close).split(',');
      if (!dims.every((d) => /^\s*[1-9]\d*\s*$/.test(d))) s.fail('sub-array shape must be positive integers like (2,3)', start);
      shape = dims.map(Number);
      s.at = close + 1;
    }
    if ('@=<>!'.includes(s.next ?? '?')) s.order = s.text[s.at++]!;
    const countAt = s.at;
    let count = 1;
    const digits = /^\d+/.exec(s.text.slice(s.at));
    if (digits !== null) {
      count = Number(digits[0]);
      s.at += digits[0].length;
    }
    let type: FieldType;
    let align: number;
    let padding = false;
    const codeAt = s.at;
    if (s.consume('T{')) {
      const inner = fieldList(s, true, codeAt);
      [type, align] = [inner.type, inner.align];
    } else if (s.consume('Z')) {
      const code = s.next;
      if (code !== 'f' && code !== 'd') s.fail("complex must be 'Zf' or 'Zd'", codeAt);
      s.at++;
      const part = scalar(s, code, codeAt);
      type = { kind: 'complex', part: (part.type as { format: string }).format, size: 2 * part.type.size };
      align = part.align;
    } else if (s.consume('w')) {
      if (count === 0) s.fail("'0w' holds no characters", countAt);
      type = { kind: 'unicode', size: 4 * count, chars: count, littleEndian: littleEndian(s.order) };
      align = s.order === '@' ? 4 : 1;
      count = 1;
    } else if (s.consume('s')) {
      type = { kind: 'bytes', size: count };
      align = 1;
      count = 1;
    } else if (s.consume('x')) {
      type = { kind: 'bytes', size: count };
      align = 1;
      count = 1;
      padding = true;
    } else {
      const code = s.next;
      if (code === undefined || !/[a-zA-Z?]/.test(code)) s.fail('expected a format code', codeAt);
      s.at++;
      ({ type, align } = scalar(s, code, codeAt));
    }
    if (s.order === '@') {
      offset += (align - (offset % align)) % align;
      common = lcm(align, common);
    }
    const dims = [...(shape ?? []), ...(count !== 1 ? [count] : [])];
    if (dims.length > 0) type = { kind: 'array', shape: dims, element: type, size: dims.reduce((a, b) => a * b, type.size) };
    let name: string | null = null;
    if (s.consume(':')) {
      const close = s.text.indexOf(':', s.at);
      if (close < 0) s.fail("field name is not closed by ':'", s.at - 1);
      name = s.text.slice(s.at, close);
      if (name === '' || /[{}]/.test(name)) s.fail('a field name must be non-empty without braces', s.at);
      s.at = close + 1;
    }
    if (padding && name === null) {
      padded = true;
    } else {
      if (name === null) unnamed++;
      name ??= `f${fields.length}`;
      if (names.has(name)) s.fail(`duplicate field name ${JSON.stringify(name)}`, start);
      names.add(name);
      fields.push({ name, offset, type });
    }
    offset += type.size;
  }
  if (s.order === '@') offset += (common - (offset % common)) % common;
  const bare = !padded && unnamed === 1 && fields.length === 1 && fields[0]!.type.size === offset;
  return { type: { kind: 'record', fields, size: offset }, align: common, bare };
}

/**
 * Parses a record, complex or UCS-4 format as NumPy reads it.
 * @throws {BufferError} ERR_BUFFER_BAD_FORMAT with the position of the fault.
 */
export function parseRecordFormat(format: string): ParsedRecord {
  const s = new Stream(format);
  const list = fieldList(s, false, 0);
  // A lone unnamed field ('Zd', '3w') is that field's type, as in NumPy.
  const type = list.bare ? list.type.fields[0]!.type : list.type;
  return { type, itemsize: list.type.size, alignment: list.align };
}
