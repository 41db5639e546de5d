// Structured .npy descrs ([('x', '<f8'), ('', '|V4'), ('sub', '<f4', (2, 2))])
// <-> record formats. NumPy's descr lists every byte: gaps, alignment
// included, are unnamed '|Vn' entries. So the format written here is packed
// with an explicit byte order on every field, and the offsets come out as
// NumPy's without any alignment rule.
import type { FieldType } from '../layout/record-format';
import { BufferError } from '../errors';

type Leaf = (descr: string) => { format: string; itemsize: number };

function bad(message: string): BufferError {
  return new BufferError('ERR_BUFFER_BAD_NPY', message);
}

/** The order every field of the packed format names: '<' for 1-byte and '|' items, the descr's otherwise. */
function explicitOrder(format: string, descr: string): string {
  const order = /^[<>]/.exec(format)?.[0] ?? (descr.startsWith('>') ? '>' : '<');
  return order + format.replace(/^[@=<>!]/, '');
}

/** The record format of a structured descr (a parsed Python list of tuples). */
export function listDescrToFormat(list: unknown[], leaf: Leaf, depth = 0): { format: string; itemsize: number } {
  if (depth > 32) throw bad('the structured descr is nested more than 32 deep');
  let body = '';
  let itemsize = 0;
  for (const entry of list) {
    const parts = (entry as { tuple?: unknown[] }).tuple;
    if (parts === undefined || parts.length < 2 || parts.length > 3 || typeof parts[0] !== 'string') {
      throw bad(`a structured descr entry is not ('name', dtype) or ('name', dtype, shape): ${JSON.stringify(entry)}`);
    }
    const [name, type, shape] = parts as [string, unknown, unknown];
    let field: { format: string; itemsize: number };
    if (Array.isArray(type)) {
      const inner = listDescrToFormat(type, leaf, depth + 1);
      field = { format: `T{${inner.format}}`, itemsize: inner.itemsize };
    } else if (typeof type === 'string') {
      const one = leaf(type);
      field = { format: explicitOrder(one.format, type), itemsize: one.itemsize };
    } else {
      throw bad(`field ${JSON.stringify(name)} has a dtype that is neither a string nor a list`);
    }
    let dims = '';
    if (shape !== undefined) {
      const tuple = typeof shape === 'number' ? [shape] : (shape as { tuple?: unknown[] }).tuple;
      if (tuple === undefined || !tuple.every((d) => Number.isSafeInteger(d) && (d as number) > 0)) {
        throw bad(`field ${JSON.stringify(name)} has a sub-array shape that is not a tuple of positive integers`);
      }
      dims = `(${tuple.join(',')})`;
      field.itemsize *= (tuple as number[]).reduce((a, b) => a * b, 1);
    }
    if (name === '' && /^\d*x$/.test(field.format.replace(/^[<>]/, ''))) body += `${field.itemsize}x`;
    else if (name === '' || /[:{}]/.test(name)) throw bad(`field name ${JSON.stringify(name)} cannot be a record field name`);
    else body += `${dims}${field.format}:${name}:`;
    itemsize += field.itemsize;
  }
  return { format: body, itemsize };
}

const repr = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The Python repr of the descr np.save writes for a record type: fields in
 * offset order, gaps as ('', '|Vn'). `leaf` names a scalar format's descr.
 */
export function recordDescr(type: FieldType, leaf: (format: string) => string): string {
  switch (type.kind) {
    case 'scalar':
      return repr(leaf(type.format));
    case 'bytes':
      return repr(`|S${type.size}`);
    case 'unicode':
      return repr(`${type.littleEndian ? '<' : '>'}U${type.chars}`);
    case 'complex':
      return repr(leaf(type.part).replace(/f(\d+)$/, (_, n: string) => `c${2 * Number(n)}`));
    case 'array':
      throw new Error('unreachable: sub-arrays are fields');
    case 'record': {
      const entries: string[] = [];
      let at = 0;
      for (const f of [...type.fields].sort((a, b) => a.offset - b.offset)) {
        if (f.offset < at) {
          throw new BufferError('ERR_BUFFER_UNSUPPORTED_FORMAT', `field ${JSON.stringify(f.name)} overlaps the one before it`);
        }
        if (f.offset > at) entries.push(`('', '|V${f.offset - at}')`);
        const t = f.type;
        if (t.kind === 'array') {
          const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
          entries.push(`(${repr(f.name)}, ${recordDescr(t.element, leaf)}, ${shape})`);
        } else {
          entries.push(`(${repr(f.name)}, ${recordDescr(t, leaf)})`);
        }
        at = f.offset + t.size;
      }
      if (type.size > at) entries.push(`('', '|V${type.size - at}')`);
      return `[${entries.join(', ')}]`;
    }
  }
}
