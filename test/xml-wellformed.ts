// A strict little XML reader for tests: parses a document into elements and throws on anything not
// well-formed (unclosed or mismatched tags, raw `<` or `&` in text or attributes, unknown entities,
// duplicate attributes, characters XML 1.0 forbids). Enough to prove the JUnit output parses.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 forbids are exactly these
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw < in ${where}`);
  if (FORBIDDEN.test(raw)) throw new Error(`forbidden character in ${where}`);
  return raw.replace(/&([^;]*);?/g, (m, name: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated entity in ${where}`);
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const v = ENTITIES[name];
    if (v === undefined) throw new Error(`unknown entity &${name}; in ${where}`);
    return v;
  });
}

export function parseXml(doc: string): XmlElement {
  let i = 0;
  const rest = (): string => doc.slice(i);
  const skipWs = (): void => {
    while (i < doc.length && /\s/.test(doc[i] as string)) i++;
  };
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end === -1) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  skipWs();
  const element = (): XmlElement => {
    if (doc[i] !== '<') throw new Error(`expected < at ${i}`);
    i++;
    const name = NAME.exec(rest())?.[0];
    if (!name) throw new Error(`bad element name at ${i}`);
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      skipWs();
      if (rest().startsWith('/>')) {
        i += 2;
        return el;
      }
      if (doc[i] === '>') {
        i++;
        break;
      }
      const attr = NAME.exec(rest())?.[0];
      if (!attr) throw new Error(`bad attribute in <${name}> at ${i}`);
      i += attr.length;
      skipWs();
      if (doc[i] !== '=') throw new Error(`attribute ${attr} without value`);
      i++;
      skipWs();
      const q = doc[i];
      if (q !== '"' && q !== "'") throw new Error(`attribute ${attr} not quoted`);
      const end = doc.indexOf(q, i + 1);
      if (end === -1) throw new Error(`unterminated attribute ${attr}`);
      if (attr in el.attrs) throw new Error(`duplicate attribute ${attr} in <${name}>`);
      el.attrs[attr] = decode(doc.slice(i + 1, end), `attribute ${attr} of <${name}>`);
      i = end + 1;
    }
    for (;;) {
      const lt = doc.indexOf('<', i);
      if (lt === -1) throw new Error(`<${name}> is never closed`);
      el.text += decode(doc.slice(i, lt), `text of <${name}>`);
      i = lt;
      if (rest().startsWith(`</`)) {
        const close = `</${name}>`;
        if (!rest().startsWith(close)) throw new Error(`mismatched closing tag at ${i}: expected ${close}`);
        i += close.length;
        return el;
      }
      el.children.push(element());
    }
  };
  const root = element();
  skipWs();
  if (i !== doc.length) throw new Error(`content after the root element at ${i}`);
  return root;
}
