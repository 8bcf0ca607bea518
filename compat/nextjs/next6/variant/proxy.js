// Route protection as Clerk's docs show it: clerkMiddleware + createRouteMatcher
// + auth.protect(). (Next.js 16 calls the middleware file proxy.js.)
import { NextResponse } from 'next/server';
import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server';

const isProtectedRoute = createRouteMatcher(['/dashboard(.*)', '/admin(.*)', '/user-profile(.*)']);

const clerk = clerkMiddleware(async (auth, req) => {
  if (isProtectedRoute(req)) {
    await auth.protect();
  }
});

// Proxy setup (design §4): @clerk/nextjs 6 has no frontendApiProxy, so
// /__clerk/* is forwarded to CLERK_FAPI_URL the way Clerk's proxy guide does
// it: a rewrite carrying Clerk-Proxy-Url (absolute: the app's origin +
// /__clerk), Clerk-Secret-Key and X-Forwarded-For. (A next.config rewrite
// cannot add headers, so Gatehouse would not know it is behind a proxy.)
function frontendApiProxy(req) {
  const fapi = new URL(process.env.CLERK_FAPI_URL);
  const target = new URL(req.nextUrl.pathname.replace(/^\/__clerk/, '') + req.nextUrl.search, fapi);
  const headers = new Headers(req.headers);
  headers.set('Clerk-Proxy-Url', `${req.nextUrl.origin}/__clerk`);
  headers.set('Clerk-Secret-Key', process.env.CLERK_SECRET_KEY);
  headers.set('X-Forwarded-For', req.headers.get('x-forwarded-for') || '127.0.0.1');
  return NextResponse.rewrite(target, { request: { headers } });
}

export default function middleware(req, evt) {
  if (process.env.GATEHOUSE_COMPAT_SETUP === 'proxy' && /^\/__clerk(\/|$)/.test(req.nextUrl.pathname)) {
    return frontendApiProxy(req);
  }
  return clerk(req, evt);
}

export const config = {
  matcher: [
    // Skip Next.js internals and static files, unless found in search params
    '/((?!_next|__clerk|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    // Always run for API routes
    '/(api|trpc)(.*)',
    '/__clerk/(.*)',
  ],
};
