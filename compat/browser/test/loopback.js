// Tests talk to loopback addresses only: every request a page makes to any
// other host (telemetry of a development instance, a CDN, ...) is aborted
// before it leaves the machine, and remembered for the test to report.
export const offLoopback = [];

export function isLoopback(raw) {
  let u;
  try { u = new URL(raw); } catch { return true; } // data:, blob: and the like never leave
  if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') return true;
  const h = u.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

// guard installs the abort rule on a page or a browser context.
export async function guard(target) {
  await target.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    offLoopback.push(url);
    return route.abort('blockedbyclient');
  });
}
