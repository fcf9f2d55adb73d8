// The `k6/encoding` module: base64 in k6's four variants (std, rawstd, url, rawurl).
import { host, toArrayBuffer, toHostData } from './runtime.ts';

export function b64encode(input: unknown, encoding = 'std'): string {
  return host.b64encode(toHostData(input), encoding);
}

export function b64decode(input: string, encoding = 'std', format?: 's'): ArrayBuffer | string {
  const bytes = host.b64decode(String(input), encoding);
  if (format === 's') {
    // UTF-8 decode in this realm: vm contexts have no TextDecoder.
    return decodeURIComponent(bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
  }
  return toArrayBuffer(bytes);
}

export default { b64encode, b64decode };
