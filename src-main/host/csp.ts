/**
 * The Content-Security-Policy of the app, the same in both hosts (the browser
 * host sends it as a header, index.html carries it as a meta tag for
 * Electron's file:// page): only our own scripts and styles, no inline
 * script, no eval, no framing, no plugins, network only back to ourselves.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
