// Webhooks verified with verifyWebhook (CLERK_WEBHOOK_SIGNING_SECRET). The
// received events are kept in memory so the test can read them back (GET).
import { verifyWebhook } from '@clerk/nextjs/webhooks';

const received = globalThis.__gatehouseWebhooks ?? (globalThis.__gatehouseWebhooks = []);

export async function POST(req) {
  try {
    const evt = await verifyWebhook(req);
    received.push({ type: evt.type, id: evt.data?.id ?? null });
    return new Response('OK', { status: 200 });
  } catch {
    received.push({ type: 'rejected' });
    return new Response('Verification failed', { status: 400 });
  }
}

export async function GET() {
  return Response.json(received);
}
