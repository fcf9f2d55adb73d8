// What a URL a user names points at, decided from the URL alone (no lookup).
import { isIP } from 'node:net';

/** True for localhost names and loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x.x.x); decided from the URL alone, with no lookup. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(host)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return (mapped[1] as string).startsWith('127.');
    // WHATWG URLs write a mapped IPv4 address in hex: ::ffff:7f00:1 is 127.0.0.1.
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  }
  return false;
}
