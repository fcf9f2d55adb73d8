// Synchronous HTTP for a VU in a worker thread, its side: a k6 script's requests block its VU; in
// the paced stand-in each VU is a worker thread that posts the request to the main thread and sleeps
// on a shared flag (Atomics.wait) until the main thread (bridge.ts) posts the answer and wakes it.
// Only the VU blocks: the main thread and every other VU go on.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
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
    timings: {
      duration: r.durationMs,
      blocked: 0,
      looking_up: 0,
      connecting: 0,
      tls_handshaking: 0,
      sending: 0,
      waiting: r.waitingMs,
      receiving: Math.max(0, r.durationMs - r.waitingMs),
    },
    error: r.error,
    errorCode: r.errorCode,
    remoteIp: r.remoteIp,
    remotePort: r.remotePort,
  };
}
