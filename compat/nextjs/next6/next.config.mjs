// Proxy setup (design §4): @clerk/nextjs 6 has no frontendApiProxy, so the app
// forwards /__clerk/* to Gatehouse with a rewrite (the middleware skips it).
/** @type {import('next').NextConfig} */
export default {
  // The app root is this directory (../package-lock.json is the test runner's).
  outputFileTracingRoot: import.meta.dirname,
  turbopack: { root: import.meta.dirname },
  async rewrites() {
    if (process.env.GATEHOUSE_COMPAT_SETUP !== 'proxy') return [];
    return [{ source: '/__clerk/:path*', destination: `${process.env.CLERK_FAPI_URL}/:path*` }];
  },
};
