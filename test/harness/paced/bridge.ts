// Synchronous HTTP for the paced stand-in's VUs, the main thread's side: it sends every VU's
// requests over one keep-alive pool and posts each answer back to the VU waiting for it
// (bridge-sync.ts). Node's own http client: a stand-in process starts once per k6 run, and loading
// undici cost each start about 0.2 s of CPU, more than the few hundred requests of a short run.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { MessagePort } from 'node:worker_threads';
import type { BridgeRequest, BridgeResponse } from './bridge-sync.ts';

function headerRecord(h: IncomingHttpHeaders): Record<string, string> {
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
    this.agent = new Agent({ keepAlive: true, maxSockets: connections, keepAliveMsecs: 30_000 });
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

  private send(req: BridgeRequest): Promise<BridgeResponse> {
    const started = performance.now();
    const url = new URL(req.url);
    return new Promise((resolve) => {
      const failed = (err: Error): void => {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        const refused = code === 'ECONNREFUSED';
        resolve({
          status: 0,
          statusText: '',
          headers: {},
          body: '',
          durationMs: performance.now() - started,
          waitingMs: 0,
          error: refused ? `dial tcp ${url.host}: connect: connection refused` : `request failed: ${err.message}`,
          errorCode: refused ? 1212 : 1000,
          remoteIp: '',
          remotePort: 0,
        });
      };
      const r = request(
        url,
        { method: req.method, headers: req.headers, agent: this.agent, timeout: req.timeoutMs },
        (res) => {
          const waitingMs = performance.now() - started;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', failed);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              statusText: `${res.statusCode}`,
              headers: headerRecord(res.headers),
              body: Buffer.concat(chunks).toString('utf8'),
              durationMs: performance.now() - started,
              waitingMs,
              error: '',
              errorCode: 0,
              remoteIp: url.hostname.replace(/^\[|\]$/g, ''),
              remotePort: Number(url.port || 80),
            }),
          );
        },
      );
      // No byte for the request's timeout: as k6, the request fails.
      r.on('timeout', () => r.destroy(new Error(`request timeout after ${req.timeoutMs} ms`)));
      r.on('error', failed);
      r.end(req.body ?? undefined);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
