// A tiny SMTP sink for the production run (compat/nextjs/run-production.sh):
// plain SMTP on loopback (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no
// STARTTLS, no AUTH), every message kept in memory, and an HTTP endpoint the
// journey reads the mailed one-time codes from:
//
//   GET /messages?to=<address>  -> [{seq, to, subject, code}] (oldest first)
//
// Gatehouse's code e-mails carry the code first in the subject ("123456 is
// your … code"); the text part is the fallback.
//
//   node smtp-sink.js <smtp port> <http port>
import net from 'node:net';
import http from 'node:http';

const [smtpPort, httpPort] = process.argv.slice(2).map(Number);
if (!smtpPort || !httpPort) {
  console.error('usage: node smtp-sink.js <smtp port> <http port>');
  process.exit(2);
}

const messages = [];
let seq = 0;

function decodeQP(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

function record(rcpts, data) {
  const head = data.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const subject = (head.match(/^Subject: (.*)$/im) || [])[1] || '';
  const code = (subject.match(/\b(\d{6})\b/) || decodeQP(data).match(/\b(\d{6})\b/) || [])[1] || null;
  for (const to of rcpts) {
    messages.push({ seq: ++seq, to: to.toLowerCase(), subject, code });
    console.log(`smtp-sink: #${seq} to ${to}: ${subject}`);
  }
}

net.createServer((sock) => {
  sock.setEncoding('latin1');
  let buf = '';
  let inData = false;
  let data = [];
  let rcpts = [];
  const reply = (line) => sock.write(line + '\r\n');
  reply('220 smtp-sink ready');
  sock.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          record(rcpts, data.join('\r\n'));
          data = [];
          rcpts = [];
          reply('250 2.0.0 queued');
        } else {
          data.push(line.startsWith('..') ? line.slice(1) : line);
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') { sock.write('250-smtp-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n'); }
      else if (verb === 'HELO') reply('250 smtp-sink');
      else if (verb === 'MAIL') { rcpts = []; reply('250 2.1.0 ok'); }
      else if (verb === 'RCPT') {
        const m = line.match(/<([^>]*)>/);
        if (!m) { reply('501 5.1.3 bad recipient'); continue; }
        rcpts.push(m[1]);
        reply('250 2.1.5 ok');
      } else if (verb === 'DATA') { inData = true; reply('354 end with <CRLF>.<CRLF>'); }
      else if (verb === 'RSET') { rcpts = []; data = []; reply('250 ok'); }
      else if (verb === 'NOOP') reply('250 ok');
      else if (verb === 'QUIT') { reply('221 bye'); sock.end(); return; }
      else reply('502 5.5.2 not implemented');
    }
  });
  sock.on('error', () => {});
}).listen(smtpPort, '127.0.0.1');

http.createServer((req, res) => {
  const u = new URL(req.url, 'http://127.0.0.1');
  if (u.pathname === '/healthz') { res.end('ok'); return; }
  if (u.pathname !== '/messages') { res.statusCode = 404; res.end(); return; }
  const to = (u.searchParams.get('to') || '').toLowerCase();
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(messages.filter((m) => !to || m.to === to)));
}).listen(httpPort, '127.0.0.1');
