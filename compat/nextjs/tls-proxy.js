// A small TLS-terminating reverse proxy for the production run
// (compat/nextjs/run-production.sh): one https listener on 127.0.0.1 that
// routes by host name to plain-http loopback upstreams, the way a production
// load balancer sits in front of Gatehouse and the app.
//
//   node tls-proxy.js <port> <cert.pem> <key.pem> <name>=<host:port> ...
//
// e.g. clerk.gatehouse.test=127.0.0.1:8080 next7.gatehouse.test=localhost:3000.
// The Host header is kept; X-Forwarded-For/-Proto/-Host are set (any a client
// sent are replaced: this proxy is the first hop). An unknown name gets 421.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [port, certFile, keyFile, ...routes] = process.argv.slice(2);
if (!port || !certFile || !keyFile || routes.length === 0) {
  console.error('usage: node tls-proxy.js <port> <cert.pem> <key.pem> <name>=<host:port> ...');
  process.exit(2);
}
const upstream = new Map(routes.map((r) => {
  const [name, target] = r.split('=');
  const i = target.lastIndexOf(':');
  return [name.toLowerCase(), { host: target.slice(0, i), port: Number(target.slice(i + 1)) }];
}));

// A fresh upstream connection per request: reusing idle keep-alive
// connections races with the upstream closing them (the request then fails
// with ECONNRESET), and loopback connections are cheap.
const agent = new http.Agent({ keepAlive: false });

const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
  const hostHeader = req.headers.host || '';
  const name = hostHeader.replace(/:\d+$/, '').toLowerCase();
  const up = upstream.get(name);
  if (!up) {
    res.writeHead(421, { 'Content-Type': 'text/plain' });
    res.end(`tls-proxy: no upstream for ${name}\n`);
    return;
  }
  const headers = { ...req.headers };
  for (const h of Object.keys(headers)) if (h.startsWith('x-forwarded-') || hopByHop.has(h)) delete headers[h];
  headers['x-forwarded-for'] = req.socket.remoteAddress.replace(/^::ffff:/, '');
  headers['x-forwarded-proto'] = 'https';
  headers['x-forwarded-host'] = hostHeader;
  headers['x-forwarded-port'] = String(port);
  const out = http.request({ host: up.host, port: up.port, method: req.method, path: req.url, headers, agent }, (ures) => {
    res.writeHead(ures.statusCode, ures.statusMessage, endToEnd(ures.rawHeaders));
    ures.pipe(res);
  });
  out.on('error', (e) => {
    console.error(`tls-proxy: ${req.method} ${name}${req.url}: ${e.message}`);
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end(`tls-proxy: ${name}: ${e.message}\n`);
  });
  req.pipe(out);
});

// endToEnd keeps the response headers as they came (several Set-Cookie lines
// stay separate), minus the hop-by-hop ones; a flat [name, value, ...] list.
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
function endToEnd(raw) {
  const out = [];
  for (let i = 0; i < raw.length; i += 2) if (!hopByHop.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  return out;
}

server.listen(Number(port), '127.0.0.1', () => console.log(`tls-proxy: https://127.0.0.1:${port} -> ${routes.join(' ')}`));
