'use client';
// The seed guide's client component: useAuth + useUser. It renders the user
// only after hydration: clerk-js may finish loading before React hydrates, and
// the server (which has no user object) rendered "Loading...".
import { useEffect, useState } from 'react';
import { useAuth, useUser } from '@clerk/nextjs';

export function ProfileComponent() {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const { isLoaded, userId } = useAuth();
  const { isLoaded: userLoaded, user } = useUser();
  if (!mounted || !isLoaded || !userLoaded) return <div id="client-user">Loading...</div>;
  if (!userId) return <div id="client-user">Please sign in</div>;
  return (
    <div id="client-user" data-user-id={userId}>
      <p>Welcome, <span id="client-first-name">{user.firstName ?? ''}</span>!</p>
      <p>Email: <span id="client-email">{user.primaryEmailAddress?.emailAddress}</span></p>
    </div>
  );
}
