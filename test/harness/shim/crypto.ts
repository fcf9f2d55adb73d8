// The `k6/crypto` module: hashes, HMAC and random bytes, computed by the host (node:crypto).
import { host, toArrayBuffer, toHostData, utf8Bytes } from './runtime.ts';

type Out = string | ArrayBuffer;

function out(r: string | number[]): Out {
  return typeof r === 'string' ? r : toArrayBuffer(r);
}

const hashWith =
  (algorithm: string) =>
  (input: unknown, encoding: string): Out =>
    out(host.hash(algorithm, toHostData(input), encoding));

export const md4 = hashWith('md4');
export const md5 = hashWith('md5');
export const sha1 = hashWith('sha1');
export const sha256 = hashWith('sha256');
export const sha384 = hashWith('sha384');
export const sha512 = hashWith('sha512');
export const sha512_224 = hashWith('sha512-224');
export const sha512_256 = hashWith('sha512-256');
export const ripemd160 = hashWith('ripemd160');

export function hmac(algorithm: string, secret: unknown, data: unknown, encoding: string): Out {
  return out(host.hmac(algorithm, toHostData(secret), toHostData(data), encoding));
}

export function randomBytes(size: number): ArrayBuffer {
  return toArrayBuffer(host.randomBytes(Number(size)));
}

/** Collects updates and hashes them together on digest(), as k6's Hasher does. */
class Hasher {
  private parts: number[] = [];
  constructor(private readonly digestFn: (data: number[], encoding: string) => Out) {}
  update(input: unknown): void {
    const d = toHostData(input);
    this.parts.push(...(typeof d === 'string' ? utf8Bytes(d) : d));
  }
  digest(encoding: string): Out {
    return this.digestFn(this.parts, encoding);
  }
}

export function createHash(algorithm: string): Hasher {
  return new Hasher((data, encoding) => out(host.hash(algorithm, data, encoding)));
}

export function createHMAC(algorithm: string, secret: unknown): Hasher {
  return new Hasher((data, encoding) => out(host.hmac(algorithm, toHostData(secret), data, encoding)));
}

export default {
  md4,
  md5,
  sha1,
  sha256,
  sha384,
  sha512,
  sha512_224,
  sha512_256,
  ripemd160,
  hmac,
  randomBytes,
  createHash,
  createHMAC,
};
