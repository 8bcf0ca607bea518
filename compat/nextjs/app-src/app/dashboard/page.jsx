import { auth, currentUser } from '@clerk/nextjs/server';
import { UserButton } from '@clerk/nextjs';
import Link from 'next/link';
import { ProfileComponent } from '../../components/ProfileComponent';
import { MembersOnly } from '../../variant/auth';

export default async function Dashboard() {
  const { userId, sessionId } = await auth();
  const user = await currentUser();
  return (
    <>
      <h1>Dashboard</h1>
      <p>userId: <span id="server-user-id">{userId}</span></p>
      <p>sessionId: <span id="server-session-id">{sessionId}</span></p>
      <p>email: <span id="server-email">{user?.primaryEmailAddress?.emailAddress}</span></p>
      <p>first name: <span id="server-first-name">{user?.firstName ?? ''}</span></p>
      <div id="dashboard-user-button"><UserButton /></div>
      <Link href="/user-profile">Profile</Link>
      <MembersOnly><p id="members-only">members only</p></MembersOnly>
      <ProfileComponent />
    </>
  );
}
