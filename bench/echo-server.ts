// A minimal loopback HTTP server in a child process (so its CPU is not the client's): reads each
// request's body and answers 200 with `{}`. The replay benches send to it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }); res.end('{}'); }); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

export interface EchoServer {
  url: string;
  child: ChildProcess;
}

/** Starts the server; it exits when its standard input ends (stopEchoServer, or this process ending). */
export async function startEchoServer(): Promise<EchoServer> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, child };
}

export function stopEchoServer(server: EchoServer): void {
  server.child.stdin?.end();
}
