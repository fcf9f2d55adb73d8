// Checks a built k6 bundle: ESM, no import but `k6`/`k6/*`, no Node globals, no faker. The guard
// plugin stops most of this at resolve time; these checks look at what was actually emitted, so a
// dependency that reaches for `process` or `require` at run time is caught before k6 trips on it.
import type { Metafile } from 'esbuild';

/** Free references to Node globals, looked for in the code with strings and comments blanked. */
const NODE_GLOBALS: ReadonlyArray<readonly [string, RegExp]> = [
  [
    'process',
    /(?<![\w$.])process\s*\.\s*(?:env|argv|exit|cwd|platform|versions?|nextTick|stdout|stderr|hrtime|memoryUsage)\b/,
  ],
  ['require', /(?<![\w$.])require\s*\(/],
  ['require (dynamic, from a CommonJS dependency)', /(?<![\w$.])__require\s*\(/],
  ['Buffer', /(?<![\w$.])Buffer\s*(?:\.\s*(?:from|alloc|allocUnsafe|isBuffer|concat|byteLength)\b|\()/],
  ['__dirname', /(?<![\w$.])__dirname\b/],
  ['__filename', /(?<![\w$.])__filename\b/],
];

/** Where a `/` starts a regular expression rather than a division (the usual heuristic). */
const REGEX_BEFORE = new Set([
  '',
  '(',
  ',',
  '=',
  ':',
  '[',
  '!',
  '&',
  '|',
  '?',
  '{',
  '}',
  ';',
  '+',
  '-',
  '*',
  '%',
  '<',
  '>',
  '~',
  '^',
]);

const SPACE = /\s/;

/** Whitespace as `\s` has it; the ASCII characters without a regular expression (bundles are mostly ASCII). */
function isSpace(code: number, c: string): boolean {
  return code < 128 ? code === 32 || (code >= 9 && code <= 13) : SPACE.test(c);
}

/**
 * The code with the contents of strings, template texts, regular expressions and comments replaced
 * by spaces (newlines kept, so line numbers hold): what is left is what the code references. Built
 * from slices of the code, not character by character: a bundle is a few hundred KB, and each
 * build checks it.
 */
export function codeOnly(code: string): string {
  const parts: string[] = [];
  let kept = 0;
  const blank = (from: number, to: number): void => {
    const stop = Math.min(to, code.length);
    if (stop <= from) return;
    parts.push(code.slice(kept, from), code.slice(from, stop).replace(/[^\n]/g, ' '));
    kept = stop;
  };
  let last = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i] as string;
    const next = code[i + 1];
    if (c === '/' && next === '/') {
      const end = code.indexOf('\n', i);
      const stop = end === -1 ? code.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      const stop = end === -1 ? code.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'" || c === '`' || (c === '/' && REGEX_BEFORE.has(last))) {
      let j = i + 1;
      let inClass = false;
      while (j < code.length) {
        const d = code[j];
        if (d === '\\') {
          j += 2;
          continue;
        }
        if (c === '/' && (d === '[' || d === ']')) inClass = d === '[';
        else if ((d === c && !inClass) || (c !== '`' && d === '\n')) break;
        j++;
      }
      blank(i + 1, j);
      i = j + 1;
      last = 'a';
    } else {
      const k = code.charCodeAt(i);
      if (!isSpace(k, c)) {
        // \w, $, ) or ]: all ASCII.
        const word =
          (k >= 48 && k <= 57) ||
          (k >= 65 && k <= 90) ||
          (k >= 97 && k <= 122) ||
          k === 95 ||
          k === 36 ||
          k === 41 ||
          k === 93;
        last = word ? 'a' : c;
      }
      i++;
    }
  }
  parts.push(code.slice(kept));
  return parts.join('');
}

/** Problems with one emitted bundle; empty when it is fit for k6. */
export function checkBundle(code: string, output: Metafile['outputs'][string]): string[] {
  const problems: string[] = [];
  for (const imp of output.imports) {
    if (imp.path !== 'k6' && !imp.path.startsWith('k6/'))
      problems.push(`imports ${imp.path} (only k6 and k6/* may stay external)`);
  }
  for (const input of Object.keys(output.inputs)) {
    if (/(^|[\\/])@faker-js[\\/]/.test(input)) problems.push(`contains faker (${input})`);
  }
  const bare = codeOnly(code);
  for (const [name, pattern] of NODE_GLOBALS) {
    const m = pattern.exec(bare);
    if (m) problems.push(`uses the Node global ${name} at line ${lineOf(code, m.index)}: ${snippet(code, m.index)}`);
  }
  if (/(?<![\w$.])module\.exports\b|(?<![\w$.])exports\.\w+\s*=/.test(bare)) problems.push('is CommonJS, not ESM');
  if (!output.exports.includes('options')) problems.push('exports no `options`');
  // k6's --vus/--iterations/--duration replace options.scenarios with one that runs `default`.
  if (!output.exports.includes('default'))
    problems.push('exports no default function (k6 runs it under --vus, --iterations or --duration)');
  return problems;
}

function lineOf(code: string, index: number): number {
  let line = 1;
  for (let i = code.indexOf('\n'); i !== -1 && i < index; i = code.indexOf('\n', i + 1)) line++;
  return line;
}

function snippet(code: string, index: number): string {
  return code.slice(index, index + 40).split('\n')[0] ?? '';
}
