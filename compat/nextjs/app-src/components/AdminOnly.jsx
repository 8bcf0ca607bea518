'use client';
// Client-side reading of the role, as the seed guide shows (user.publicMetadata),
// after hydration (the server renders without a user object).
import { useEffect, useState } from 'react';
import { useUser } from '@clerk/nextjs';

export function AdminOnly({ children }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const { user } = useUser();
  return mounted && user?.publicMetadata?.role === 'admin' ? children : null;
}
