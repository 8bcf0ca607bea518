// The app root is this directory (../package-lock.json is the test runner's).
// The proxy setup's /__clerk forwarding lives in src/proxy.js (variant/proxy.js).
/** @type {import('next').NextConfig} */
export default {
  outputFileTracingRoot: import.meta.dirname,
  turbopack: { root: import.meta.dirname },
};
