// @clerk/nextjs 7 replaced <SignedIn>, <SignedOut> and <Protect> with <Show>.
import { Show } from '@clerk/nextjs';

export const SignedInOnly = ({ children }) => <Show when="signed-in">{children}</Show>;
export const SignedOutOnly = ({ children }) => <Show when="signed-out">{children}</Show>;
export const MembersOnly = ({ children }) => (
  <Show when="signed-in" fallback={<p id="members-fallback">sign in first</p>}>{children}</Show>
);

export const providerProps = {};
