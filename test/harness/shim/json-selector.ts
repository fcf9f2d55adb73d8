// Response.json(selector): the part of GJSON's path syntax (github.com/tidwall/gjson, which k6
// uses) that scripts use: dotted keys, array indexes, `#` for an array's length, `#.key` to map
// over an array, `*`/`?` wildcards in keys, and `\` escapes. Queries (`#(...)`) and modifiers
// (`@...`) throw instead of silently answering undefined, so a test shows the harness's limit.

function splitPath(path: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && i + 1 < path.length) {
      cur += path[++i];
    } else if (c === '.') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function wildcard(pattern: string): RegExp {
  const src = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${src}$`);
}

const MISSING = Symbol('missing');

function walk(value: unknown, parts: string[], i: number): unknown {
  if (i === parts.length) return value;
  const key = parts[i]!;
  if (key.startsWith('#(') || key.startsWith('@')) {
    throw new Error(`json() selector part "${key}": GJSON queries and modifiers are not emulated by the harness`);
  }
  if (Array.isArray(value)) {
    if (key === '#') {
      if (i === parts.length - 1) return value.length;
      const out: unknown[] = [];
      for (const item of value) {
        const r = walk(item, parts, i + 1);
        if (r !== MISSING) out.push(r);
      }
      return out;
    }
    if (/^\d+$/.test(key)) {
      const n = Number(key);
      return n < value.length ? walk(value[n], parts, i + 1) : MISSING;
    }
    return MISSING;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (/[*?]/.test(key)) {
      const re = wildcard(key);
      for (const k of Object.keys(obj)) if (re.test(k)) return walk(obj[k], parts, i + 1);
      return MISSING;
    }
    return Object.hasOwn(obj, key) ? walk(obj[key], parts, i + 1) : MISSING;
  }
  return MISSING;
}

/** The value at `path` in parsed JSON, or undefined when nothing is there (as k6 answers). */
export function selectJson(parsed: unknown, path: string): unknown {
  const r = walk(parsed, splitPath(path), 0);
  return r === MISSING ? undefined : r;
}
