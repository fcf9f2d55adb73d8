// Synchronous HTTP for a VU in a worker thread. A k6 script's requests block its VU; in the paced
// stand-in each VU is a worker thread that posts the request to the main thread and sleeps on a
// shared flag (Atomics.wait) until the main thread, which sends it with undici, posts the answer
// and wakes it. Only the VU blocks: the main thread and every other VU go on.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Agent, request } from 'undici';
import type { HostRequest, HostResponse } from '../host-api.ts';

export interface BridgeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
}

export interface BridgeResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  /** From handing the request to the pool to the answer's last byte, ms. */
  durationMs: number;
  /** The time to the answer's headers, ms (k6's "waiting"). */
  waitingMs: number;
  error: string;
  errorCode: number;
  remoteIp: string;
  remotePort: number;
}

/** The worker side: one call per request, blocking until the answer. */
export function blockingSender(port: MessagePort, flag: Int32Array): (req: BridgeRequest) => BridgeResponse {
  return (req) => {
    Atomics.store(flag, 0, 0);
    port.postMessage(req);
    for (;;) {
      Atomics.wait(flag, 0, 0, 1000);
      const m = receiveMessageOnPort(port);
      if (m) return m.message as BridgeResponse;
    }
  };
}

function headerRecord(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    // k6 canonicalises header names (Content-Type); scripts read them so.
    const name = k.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The main side: answers every VU's requests over one connection pool. */
export class HttpBridge {
  private readonly agent: Agent;
  constructor(connections = 1024) {
    this.agent = new Agent({ connections, keepAliveTimeout: 30_000 });
  }

  attach(port: MessagePort, flag: Int32Array): void {
    port.on('message', (req: BridgeRequest) => {
      void this.send(req).then((res) => {
        port.postMessage(res);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      });
    });
  }

  private async send(req: BridgeRequest): Promise<BridgeResponse> {
    const started = performance.now();
    const url = new URL(req.url);
    try {
      const res = await request(req.url, {
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body ?? undefined,
        dispatcher: this.agent,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      const waitingMs = performance.now() - started;
      const body = await res.body.text();
      return {
        status: res.statusCode,
        statusText: `${res.statusCode}`,
        headers: headerRecord(res.headers),
        body,
        durationMs: performance.now() - started,
        waitingMs,
        error: '',
        errorCode: 0,
        remoteIp: url.hostname.replace(/^\[|\]$/g, ''),
        remotePort: Number(url.port || 80),
      };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      const refused = code === 'ECONNREFUSED';
      return {
        status: 0,
        statusText: '',
        headers: {},
        body: '',
        durationMs: performance.now() - started,
        waitingMs: 0,
        error: refused ? `dial tcp ${url.host}: connect: connection refused` : `request failed: ${(err as Error).message}`,
        errorCode: refused ? 1212 : 1000,
        remoteIp: '',
        remotePort: 0,
      };
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** A bridge answer as the harness's HostResponse. */
export function hostResponse(req: HostRequest, r: BridgeResponse, bodyText: string | null): HostResponse {
  const mode = req.responseType === '' ? 'text' : req.responseType;
  return {
    status: r.status,
    statusText: r.status === 0 ? '' : r.statusText,
    url: req.url,
    proto: r.status === 0 ? '' : 'HTTP/1.1',
    body: r.status === 0 || mode === 'none' ? null : r.body,
    bodyBytes: mode === 'binary' && r.status !== 0 ? [...Buffer.from(r.body)] : null,
    headers: r.headers,
    requestHeaders: req.headers,
    requestBody: bodyText,
    timings: { duration: r.durationMs, blocked: 0, looking_up: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: r.waitingMs, receiving: Math.max(0, r.durationMs - r.waitingMs) },
    error: r.error,
    errorCode: r.errorCode,
    remoteIp: r.remoteIp,
    remotePort: r.remotePort,
  };
}
