#!/usr/bin/env node
// Debian's Firefox ESR for playwright-core's WebDriver BiDi driver (channel `moz-firefox`).
//
// Why this exists: playwright-core sends `emulation.setMediaFeaturesOverride` (to emulate
// prefers-color-scheme) whenever it opens a page, and Firefox ESR 153 does not know that
// command yet, so every `newPage` fails with "unknown command". Everything else the tests use
// works over plain BiDi. Playwright starts this file as the browser (`executablePath`) with
// Firefox's arguments; it starts /usr/bin/firefox-esr with them, sits between the two on the
// BiDi WebSocket, answers that one command with an empty success itself (no test emulates
// a colour scheme) and forwards every other message unchanged, both ways.
//
// Playwright finds the browser's endpoint in its stderr ("WebDriver BiDi listening on ws://..."),
// so this prints its own endpoint in that line and passes the rest of Firefox's output through.
import { spawn } from 'node:child_process';
import { WebSocket, WebSocketServer } from 'ws';

const firefox = '/usr/bin/firefox-esr';
const args = process.argv.slice(2);
const unsupported = new Set(['emulation.setMediaFeaturesOverride']);

const child = spawn(firefox, args, { stdio: ['ignore', 'inherit', 'pipe'] });
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
child.on('error', (error) => {
  process.stderr.write(`firefoxBidiProxy: cannot start ${firefox}: ${error.message}\n`);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));

let pending = '';
child.stderr.setEncoding('utf8');
child.stderr.on('data', (chunk) => {
  pending += chunk;
  let end;
  while ((end = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    const match = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(line);
    if (match) listen(match[1]);
    else process.stderr.write(`${line}\n`);
  }
});

/** Serves a proxy for the BiDi endpoint `upstream` and announces it as the browser would. */
function listen(upstream) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('listening', () => {
    const { port } = server.address();
    process.stderr.write(`WebDriver BiDi listening on ws://127.0.0.1:${port}\n`);
  });
  server.on('connection', (client, request) => {
    const browser = new WebSocket(`${upstream}${request.url ?? ''}`, { perMessageDeflate: false });
    const queued = [];
    browser.on('open', () => {
      for (const message of queued.splice(0)) browser.send(message);
    });
    browser.on('message', (data, isBinary) => client.send(data, { binary: isBinary }));
    browser.on('close', () => client.close());
    browser.on('error', () => client.terminate());
    client.on('message', (data) => {
      const text = data.toString('utf8');
      const command = parse(text);
      if (command !== null && unsupported.has(command.method)) {
        client.send(JSON.stringify({ type: 'success', id: command.id, result: {} }));
        return;
      }
      if (browser.readyState === WebSocket.OPEN) browser.send(text);
      else queued.push(text);
    });
    client.on('close', () => browser.close());
    client.on('error', () => browser.terminate());
  });
}

/** The command's id and method, or null for anything else. */
function parse(text) {
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null && typeof value.method === 'string' ? value : null;
  } catch {
    return null;
  }
}
