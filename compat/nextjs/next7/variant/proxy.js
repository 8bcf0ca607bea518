// Route protection as Clerk's docs show it: clerkMiddleware + createRouteMatcher
// + auth.protect(). (Next.js 16 calls the middleware file proxy.js.)
import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server';

const isProtectedRoute = createRouteMatcher(['/dashboard(.*)', '/admin(.*)', '/user-profile(.*)']);

export default clerkMiddleware(async (auth, req) => {
  if (isProtectedRoute(req)) {
    await auth.protect();
  }
}, {
  // Proxy setup (design §4): /__clerk/* is forwarded to CLERK_FAPI_URL.
  frontendApiProxy: { enabled: process.env.GATEHOUSE_COMPAT_SETUP === 'proxy' },
});

export const config = {
  matcher: [
    // Skip Next.js internals and static files, unless found in search params
    '/((?!_next|__clerk|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    // Always run for API routes
    '/(api|trpc)(.*)',
    '/__clerk/(.*)',
  ],
};
