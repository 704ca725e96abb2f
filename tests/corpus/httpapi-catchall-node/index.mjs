// ES module handler: the whole site in one function behind `*`.
const sessions = new Map();
let served = 0;

const html = (status, text, extra = {}) => ({
  statusCode: status,
  headers: { 'content-type': 'text/html; charset=utf-8', ...extra },
  body: `<!doctype html><html><body>${text}</body></html>`,
});

const parseCookies = (list = []) =>
  Object.fromEntries(list.map((c) => c.split('=')).map(([k, ...v]) => [k.trim(), v.join('=')]));

export const handler = async (event) => {
  served += 1;
  const { method, path, sourceIp, userAgent } = event.requestContext.http;
  const cookies = parseCookies(event.cookies);

  if (method === 'GET' && event.rawPath === '/') {
    return html(200, `<h1>Home</h1><p>route ${event.routeKey}</p>`);
  }
  if (method === 'POST' && event.rawPath === '/session') {
    const body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString() : event.body);
    const id = `sess-${sessions.size + 1}`;
    sessions.set(id, { user: body.user, since: event.requestContext.timeEpoch });
    return {
      statusCode: 201,
      cookies: [`sid=${id}; HttpOnly; Path=/`, 'seen=1; Path=/'],
      body: JSON.stringify({ user: body.user }),
      headers: { 'content-type': 'application/json' },
    };
  }
  if (method === 'GET' && event.rawPath === '/me') {
    const session = sessions.get(cookies.sid);
    if (!session) return { statusCode: 401, body: JSON.stringify({ message: 'no session' }) };
    // No statusCode: an HTTP API (payload 2.0) answers 200 with this object as JSON.
    return { user: session.user, cookies: Object.keys(cookies).sort() };
  }
  if (event.rawPath.startsWith('/debug/')) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'x-served': String(served) },
      body: JSON.stringify({
        version: event.version, routeKey: event.routeKey, rawPath: event.rawPath, path,
        rawQueryString: event.rawQueryString, query: event.queryStringParameters ?? null,
        pathParameters: event.pathParameters ?? null, method, sourceIp, userAgent,
        stage: event.requestContext.stage, forwarded: event.headers['x-forwarded-for'] ?? null,
        header: event.headers['x-custom-header'] ?? null,
      }),
    };
  }
  return html(404, `<h1>Not found</h1><p>${method} ${event.rawPath}</p>`);
};

export const version = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ node: process.versions.node.split('.')[0], runtime: process.env.AWS_EXECUTION_ENV }),
});
