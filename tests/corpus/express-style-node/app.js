'use strict';
const { App } = require('./lib/router');

const app = new App();
const users = new Map([
  ['1', { id: '1', name: 'Ada Lovelace' }],
  ['2', { id: '2', name: 'Alan Turing' }],
]);

// Request logging and a body parser, as middleware.
app.use((req, res) => {
  console.log(`${req.method} ${req.path}`);
  const type = (req.headers['content-type'] || '').split(';')[0];
  if (req.rawBody && type === 'application/json') {
    try {
      req.body = JSON.parse(req.rawBody);
    } catch {
      res.status(400).json({ error: 'malformed JSON' });
      return false;
    }
  }
  return true;
});

app.get('/', (req, res) => res.send(`<h1>${process.env.APP_NAME}</h1><p>stage ${req.stage}</p>`));
app.get('/api/users', (req, res) => {
  const limit = Number(req.query.limit || 10);
  res.json([...users.values()].slice(0, limit));
});
app.get('/api/users/:id', (req, res) => {
  const user = users.get(req.params.id);
  if (!user) return res.status(404).json({ error: 'user not found' });
  return res.json(user);
});
app.post('/api/users', (req, res) => {
  if (!req.body || !req.body.name) return res.status(422).json({ error: 'name is required' });
  const id = String(users.size + 1);
  const user = { id, name: req.body.name };
  users.set(id, user);
  return res.status(201).set('Location', `/api/users/${id}`).json(user);
});
app.delete('/api/users/:id', (req, res) => {
  const existed = users.delete(req.params.id);
  res.status(existed ? 204 : 404).send('');
});
app.get('/api/echo', (req, res) => res.json({
  path: req.path, query: req.query, multi: req.multiQuery, headers: { 'x-request-id': req.headers['x-request-id'] || null },
  resource: req.resource, requestPath: req.requestPath,
}));
app.post('/login', (req, res) => {
  res.cookie('session', `s-${req.body.user}`, { httpOnly: true, maxAge: 3600 })
    .cookie('theme', 'dark')
    .redirect('/dashboard', 303);
});
app.get('/dashboard', (req, res) => {
  const cookies = Object.fromEntries((req.headers.cookie || '').split(/;\s*/).filter(Boolean)
    .map((c) => c.split('=')).map(([k, v]) => [k, decodeURIComponent(v)]));
  if (!cookies.session) return res.redirect('/login');
  return res.json({ session: cookies.session, theme: cookies.theme || null });
});

module.exports = app;
