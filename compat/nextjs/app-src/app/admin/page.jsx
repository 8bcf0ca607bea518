// Role-based access as in the seed guide: the role travels in the session token
// (custom claim "metadata" = {{user.public_metadata}}), read with auth().
import { auth, currentUser } from '@clerk/nextjs/server';
import { AdminOnly } from '../../components/AdminOnly';

export default async function Admin() {
  const { userId, sessionClaims } = await auth();
  const role = sessionClaims?.metadata?.role;
  const user = await currentUser();
  if (role !== 'admin') {
    return (
      <>
        <h1 id="admin-denied">Admin access required</h1>
        <p>user: {userId}; claims role: <span id="claims-role">{String(role)}</span>; publicMetadata role:{' '}
          <span id="metadata-role">{String(user?.publicMetadata?.role)}</span></p>
      </>
    );
  }
  return (
    <>
      <h1 id="admin-allowed">Admin area</h1>
      <AdminOnly><p id="admin-client-check">client-side role check passed</p></AdminOnly>
    </>
  );
}
