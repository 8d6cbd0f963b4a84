// Same-origin tRPC: the browser calls /trpc/… on the console, which forwards the request to the API named
// by CASCADE_API_URL (read per request, so one build serves any API address). Cookies, the CSRF header and
// the API's Set-Cookie answers pass through unchanged.
import type { NextRequest } from 'next/server';

export const dynamic = 'force-dynamic';

const FORWARDED_REQUEST_HEADERS = ['content-type', 'cookie', 'x-cascade-csrf', 'accept', 'trpc-accept', 'user-agent'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'cache-control', 'vary'];

function apiUrl(): string {
  const url = process.env.CASCADE_API_URL;
  if (!url) throw new Error('CASCADE_API_URL is not set: the console does not know where the API is');
  return url.replace(/\/+$/, '');
}

async function forward(request: NextRequest, context: { params: Promise<{ path: string[] }> }): Promise<Response> {
  const { path } = await context.params;
  let target: string;
  try {
    target = `${apiUrl()}/trpc/${path.map(encodeURIComponent).join('/')}${request.nextUrl.search}`;
  } catch (error) {
    return Response.json({ error: { message: (error as Error).message, code: -32603, data: { code: 'INTERNAL_SERVER_ERROR' } } }, { status: 502 });
  }
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const forwardedFor = request.headers.get('x-forwarded-for');
  if (forwardedFor) headers.set('x-forwarded-for', forwardedFor);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: 'manual',
      cache: 'no-store',
    });
  } catch (error) {
    const message = `the API at ${apiUrl()} is unreachable: ${(error as Error).message}`;
    return Response.json({ error: { message, code: -32603, data: { code: 'INTERNAL_SERVER_ERROR' } } }, { status: 502 });
  }
  const responseHeaders = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) responseHeaders.set(name, value);
  }
  for (const cookie of upstream.headers.getSetCookie()) responseHeaders.append('set-cookie', cookie);
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}

export { forward as GET, forward as POST };
