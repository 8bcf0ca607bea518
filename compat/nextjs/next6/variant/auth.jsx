// @clerk/nextjs 6: the control components <SignedIn>, <SignedOut> and <Protect>.
import { Protect, SignedIn, SignedOut } from '@clerk/nextjs';

export const SignedInOnly = ({ children }) => <SignedIn>{children}</SignedIn>;
export const SignedOutOnly = ({ children }) => <SignedOut>{children}</SignedOut>;
export const MembersOnly = ({ children }) => (
  <Protect fallback={<p id="members-fallback">sign in first</p>}>{children}</Protect>
);

// The layout's provider props: none. `dynamic` would have the server render
// <SignedIn>/<SignedOut> from auth(); it does not touch the React #418
// hydration race of Clerk's components (compat/nextjs/README.md), and the
// one CI run with it lost <UserButton/> on the dashboard once.
export const providerProps = {};
