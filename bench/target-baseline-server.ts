// The baseline for bench/target-http.bench.ts: a bare node:http server that reads each request's
// body and answers a fixed JSON body, the least any HTTP target must do. Prints its URL first.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from(JSON.stringify({ effects: [], createdCoupons: [], createdReferrals: [] }));
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length });
    res.end(BODY);
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
const stop = () => server.close();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
