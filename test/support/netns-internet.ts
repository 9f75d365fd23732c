/**
 * The "internet" web server of the filtering lab (support/netns-filter.ts), started inside the internet
 * namespace as `ip netns exec <ns> node netns-internet.ts '<json>'`. It serves the test pages over HTTP
 * (80) and HTTPS (443, a certificate from the lab's own CA) on its address: any path answers
 * "schoolnet lab test page for <host>", and a path ending .exe answers a small file starting "MZ"
 * (the Windows executable signature), so a download the filter lets through is recognisable.
 * Prints "ready" once both ports listen.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';

interface Config {
  address: string;
  cert: string;
  key: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;

const handler: http.RequestListener = (req, res) => {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  if ((req.url ?? '').toLowerCase().endsWith('.exe')) {
    res.writeHead(200, { 'content-type': 'application/x-msdownload' });
    res.end(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(510)]));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<html><title>lab page</title><body>schoolnet lab test page for ${host}</body></html>`);
};

const plain = http.createServer(handler);
const secure = https.createServer(
  { cert: readFileSync(config.cert), key: readFileSync(config.key) },
  handler,
);
await new Promise<void>((resolve) => plain.listen(80, config.address, resolve));
await new Promise<void>((resolve) => secure.listen(443, config.address, resolve));
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
