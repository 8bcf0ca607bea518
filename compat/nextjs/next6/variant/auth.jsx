// @clerk/nextjs 6: the control components <SignedIn>, <SignedOut> and <Protect>.
import { Protect, SignedIn, SignedOut } from '@clerk/nextjs';

export const SignedInOnly = ({ children }) => <SignedIn>{children}</SignedIn>;
export const SignedOutOnly = ({ children }) => <SignedOut>{children}</SignedOut>;
export const MembersOnly = ({ children }) => (
  <Protect fallback={<p id="members-fallback">sign in first</p>}>{children}</Protect>
);
