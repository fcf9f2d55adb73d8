// Synchronous HTTP for the paced stand-in's VUs, the main thread's side: it sends every VU's
// requests over one undici pool and posts each answer back to the VU waiting for it (bridge-sync.ts).
import type { MessagePort } from 'node:worker_threads';
import { Agent, request } from 'undici';
import type { BridgeRequest, BridgeResponse } from './bridge-sync.ts';

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
        error: refused
          ? `dial tcp ${url.host}: connect: connection refused`
          : `request failed: ${(err as Error).message}`,
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
