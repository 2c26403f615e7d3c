/**
 * The browser host: the same API handlers as the Electron app, served on
 * 127.0.0.1 to a browser. Any web page the user visits can send requests to
 * a loopback port, so every request must prove it comes from our page:
 *
 * - Host must name this server (127.0.0.1:PORT or localhost:PORT), which
 *   defeats DNS rebinding; an Origin, when sent, must be this server too.
 * - A random per-run token: the printed URL carries it once (?token=), the
 *   server trades it for a SameSite=Strict HttpOnly cookie that lets the
 *   page and its assets load, and embeds it in the page for API calls, which
 *   must send it in the X-Ckpt-Token header. A cross-site form cannot set
 *   that header, so the cookie alone never reaches the API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ApiEvent, Reply } from '../../src-shared/api/contract.js';
import { createBackend, type Backend } from '../api/handlers.js';
import { CSP } from './csp.js';
import { batched, jsonPieces } from '../report/json-pieces.js';

export interface BrowserHostOptions {
  home: string;
  /** Directory of the built renderer (index.html and assets/). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token for tests; random otherwise. */
  token?: string;
  log?: (line: string) => void;
  /** Largest request body accepted (an imported image travels base64 in one). */
  maxBody?: number;
}

export interface BrowserHost {
  url: string;
  port: number;
  token: string;
  server: Server;
  backend: Backend;
  emit(ev: ApiEvent): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const COOKIE = 'ckpt_token';
const STATUS: Record<string, number> = { 'bad-argument': 400, 'unknown-method': 404, 'not-found': 404, internal: 500 };
const TOKEN_HEADER = 'x-ckpt-token';
/**
 * The app's own page sends `X-Ckpt-Errors: in-body`: it reads every call's
 * outcome from the reply (`{ok: false, error}`), so a contract error (a query
 * that does not parse, a junk import) is answered 200 for it, and the browser
 * does not log "Failed to load resource: 400" for each refusal the app
 * handles. Other clients get the HTTP status as before; transport refusals
 * (token, Host, size, type) keep theirs for everyone.
 */
const ERRORS_HEADER = 'x-ckpt-errors';

function baseHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

function sendReply(res: ServerResponse, status: number, reply: Reply<unknown>): void {
  res.writeHead(status, { ...baseHeaders(), 'Content-Type': 'application/json' });
  // In pieces (the same text as JSON.stringify), each when the socket takes
  // it: a diff.run of a leak lists every other holder for each of thousands
  // of fds, more than one string holds and more than memory should queue.
  const parts = batched(jsonPieces(reply), 1 << 20);
  const pump = (): void => {
    for (let r = parts.next(); !r.done; r = parts.next())
      if (!res.write(r.value)) {
        res.once('drain', pump);
        return;
      }
    res.end();
  };
  res.once('close', () => void parts.return(undefined));
  pump();
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  const c = req.headers.cookie;
  if (!c) return undefined;
  for (const part of c.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const log = opts.log ?? ((l: string) => console.error(l));
  // A body becomes one JS string before JSON.parse, and V8 strings stop a little
  // above 512 MiB: refuse larger bodies with a 413 that says what to do instead.
  const maxBody = opts.maxBody ?? 500 * 1024 * 1024;
  const staticDir = resolve(opts.staticDir);
  const streams = new Set<ServerResponse>();
  const emit = (ev: ApiEvent) => {
    const line = `data: ${JSON.stringify(ev)}\n\n`;
    for (const s of streams) s.write(line);
  };
  const backend = createBackend({ home: opts.home, host: 'browser', emit, log });
  let port = 0;

  const refuse = (res: ServerResponse, status: number, message: string) =>
    sendReply(res, status, { ok: false, error: { code: status === 404 ? 'not-found' : 'unavailable', message } });

  const server = createServer((req, res) => {
    const host = req.headers.host;
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!host || !allowedHosts.includes(host)) return refuse(res, 403, 'foreign Host header refused');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.some((h) => origin === `http://${h}`)) return refuse(res, 403, 'foreign Origin refused');
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site') return refuse(res, 403, 'cross-site request refused');

    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname.startsWith('/api/')) return api(req, res, url);

    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const q = url.searchParams.get('token');
    if (q !== null) {
      if (!sameToken(q, token)) return refuse(res, 401, 'wrong token');
      res.writeHead(303, { ...baseHeaders(), Location: '/', 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` });
      return res.end();
    }
    if (!sameToken(cookieToken(req), token)) return refuse(res, 401, 'open the URL printed by "ckpt serve" (it carries the access token)');
    if (url.pathname.startsWith('/reports/')) return serveReport(res, url);
    serveStatic(res, url.pathname);
  });

  /**
   * A built report, to view in a tab or (?download=1) to save. It is shown
   * under a sandbox CSP: an opaque origin with no script and no network, so
   * even a report that somehow carried markup could not reach the API.
   */
  function serveReport(res: ServerResponse, url: URL): void {
    const m = /^\/reports\/([0-9a-f]{32})\/([A-Za-z0-9._-]{1,200})$/.exec(url.pathname);
    const r = m ? backend.report(m[1]!) : undefined;
    if (!r || r.name !== m![2]) return refuse(res, 404, 'no such report (build it again; only the last few are kept)');
    const download = url.searchParams.get('download') === '1';
    res.writeHead(200, {
      ...baseHeaders(),
      // Chromium's PDF viewer does not run in a sandboxed document; a PDF holds no script of ours to confine.
      'Content-Security-Policy': r.format === 'pdf' ? CSP : "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      'Content-Type': r.mime,
      'Content-Length': r.bytes.length,
      'Content-Disposition': `${download ? 'attachment' : 'inline'}; filename="${r.name}"`,
    });
    res.end(r.bytes);
  }

  function serveStatic(res: ServerResponse, pathname: string): void {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return refuse(res, 400, 'bad path');
    }
    if (rel.includes('\0')) return refuse(res, 400, 'bad path');
    if (rel === '/' || rel === '/index.html') rel = '/index.html';
    const file = normalize(join(staticDir, rel));
    if (file !== staticDir && !file.startsWith(staticDir + sep)) return refuse(res, 404, 'not found');
    if (!existsSync(file) || !statSync(file).isFile()) {
      if (rel === '/index.html') return refuse(res, 500, `the renderer is not built (no ${file}); run "npm run build:renderer"`);
      return refuse(res, 404, 'not found');
    }
    let body: Buffer = readFileSync(file);
    if (rel === '/index.html')
      body = Buffer.from(
        body.toString('utf8').replace(/<meta name="ckpt-token" content="[^"]*"\s*\/?>/, `<meta name="ckpt-token" content="${token}" />`),
      );
    res.writeHead(200, {
      ...baseHeaders(),
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
    });
    res.end(body);
  }

  function api(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const given = req.headers[TOKEN_HEADER];
    if (!sameToken(Array.isArray(given) ? given[0] : given, token)) return refuse(res, 401, 'missing or wrong X-Ckpt-Token');
    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, { ...baseHeaders(), 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(ping);
        streams.delete(res);
      });
      return;
    }
    if (req.method !== 'POST') return refuse(res, 405, 'API calls are POST');
    const ctype = req.headers['content-type'] ?? '';
    if (!ctype.startsWith('application/json')) return refuse(res, 415, 'API calls send application/json');
    const method = url.pathname.slice('/api/'.length);
    const declared = Number(req.headers['content-length'] ?? 0);
    // Past the limit: answer 413 at once, then swallow the rest for a moment
    // so the client reads the answer instead of a reset connection.
    const tooLarge = () => {
      refuse(res, 413, `request body over ${maxBody} bytes; import an image this large with "ckpt import FILE"`);
      req.resume();
      setTimeout(() => req.destroy(), 2000).unref();
    };
    if (declared > maxBody) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > maxBody) {
        tooBig = true;
        chunks.length = 0;
        return tooLarge();
      }
      chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooBig) return;
      let args: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        args = text.length ? JSON.parse(text) : {};
      } catch {
        return sendReply(res, req.headers[ERRORS_HEADER] === 'in-body' ? 200 : 400, {
          ok: false,
          error: { code: 'bad-argument', message: `${method}: the request body is not JSON` },
        });
      }
      const inBody = req.headers[ERRORS_HEADER] === 'in-body';
      backend.dispatch(method, args).then((reply) => sendReply(res, reply.ok || inBody ? 200 : (STATUS[reply.error.code] ?? 422), reply));
    });
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    server,
    backend,
    emit,
    close: async () => {
      for (const s of streams) s.end();
      streams.clear();
      // Both at once: an import in flight rolls back while the server stops.
      const library = backend.close().catch((e: Error) => log(`ckpt: closing the library: ${e.message}`));
      const stopped = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await Promise.all([library, stopped]);
    },
  };
}
