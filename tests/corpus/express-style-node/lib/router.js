'use strict';
// A minimal Express-like router: app.get('/users/:id', (req, res) => ...), middleware
// with app.use, and res.status().json()/send()/redirect()/cookie().

function compile(pattern) {
  const names = [];
  const source = pattern
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        names.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}/?$`), names };
}

class Response {
  constructor() {
    this.statusCode = 200;
    this.headers = {};
    this.cookies = [];
    this.body = '';
  }
  status(code) {
    this.statusCode = code;
    return this;
  }
  set(name, value) {
    this.headers[name] = String(value);
    return this;
  }
  cookie(name, value, opts = {}) {
    let c = `${name}=${encodeURIComponent(value)}; Path=${opts.path || '/'}`;
    if (opts.httpOnly) c += '; HttpOnly';
    if (opts.maxAge) c += `; Max-Age=${opts.maxAge}`;
    this.cookies.push(c);
    return this;
  }
  json(value) {
    this.set('Content-Type', 'application/json; charset=utf-8');
    this.body = JSON.stringify(value);
    return this;
  }
  send(text) {
    if (!this.headers['Content-Type']) this.set('Content-Type', 'text/html; charset=utf-8');
    this.body = String(text);
    return this;
  }
  redirect(location, code = 302) {
    this.status(code).set('Location', location);
    this.body = '';
    return this;
  }
}

class App {
  constructor() {
    this.routes = [];
    this.middleware = [];
  }
  use(fn) {
    this.middleware.push(fn);
  }
  route(method, pattern, fn) {
    this.routes.push({ method, ...compile(pattern), fn });
  }
  get(p, fn) { this.route('GET', p, fn); }
  post(p, fn) { this.route('POST', p, fn); }
  put(p, fn) { this.route('PUT', p, fn); }
  delete(p, fn) { this.route('DELETE', p, fn); }

  async handle(req) {
    const res = new Response();
    for (const m of this.middleware) {
      if ((await m(req, res)) === false) return res;
    }
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(req.path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== req.method) continue;
      req.params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      await r.fn(req, res);
      return res;
    }
    if (pathMatched) return res.status(405).json({ error: `${req.method} not allowed on ${req.path}` });
    return res.status(404).json({ error: `Cannot ${req.method} ${req.path}` });
  }
}

module.exports = { App };
