import { ClerkProvider, SignInButton, SignUpButton, UserButton } from '@clerk/nextjs';
import Link from 'next/link';
import { SignedInOnly, SignedOutOnly, providerProps } from '../variant/auth';
import './globals.css';

export const metadata = { title: 'Gatehouse compat: Next.js' };

export default function RootLayout({ children }) {
  return (
    <ClerkProvider {...providerProps}>
      <html lang="en">
        <body>
          <header>
            <Link href="/">Home</Link>
            <SignedOutOnly>
              <SignInButton />
              <SignUpButton />
            </SignedOutOnly>
            <SignedInOnly>
              <Link href="/dashboard">Dashboard</Link>
              <Link href="/admin">Admin</Link>
              <UserButton />
            </SignedInOnly>
          </header>
          <main>{children}</main>
        </body>
      </html>
    </ClerkProvider>
  );
}
