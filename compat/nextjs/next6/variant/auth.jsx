// @clerk/nextjs 6: the control components <SignedIn>, <SignedOut> and <Protect>.
import { Protect, SignedIn, SignedOut } from '@clerk/nextjs';

export const SignedInOnly = ({ children }) => <SignedIn>{children}</SignedIn>;
export const SignedOutOnly = ({ children }) => <SignedOut>{children}</SignedOut>;
export const MembersOnly = ({ children }) => (
  <Protect fallback={<p id="members-fallback">sign in first</p>}>{children}</Protect>
);

// @clerk/nextjs 6 renders <SignedIn>/<SignedOut> from client state unless the
// provider is dynamic; dynamic makes the server render them from auth() too,
// so the HTML and the first client render agree (React #418 otherwise, when
// clerk-js is ready before hydration).
export const providerProps = { dynamic: true };
