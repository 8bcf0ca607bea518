'use client';
// Client-side reading of the role, as the seed guide shows (user.publicMetadata).
import { useUser } from '@clerk/nextjs';

export function AdminOnly({ children }) {
  const { user } = useUser();
  return user?.publicMetadata?.role === 'admin' ? children : null;
}
