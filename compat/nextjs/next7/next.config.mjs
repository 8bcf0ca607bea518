// The app root is this directory (../package-lock.json is the test runner's).
/** @type {import('next').NextConfig} */
export default {
  outputFileTracingRoot: import.meta.dirname,
  turbopack: { root: import.meta.dirname },
};
