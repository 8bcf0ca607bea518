import { SignedInOnly, SignedOutOnly } from '../variant/auth';
import { ProfileComponent } from '../components/ProfileComponent';

export default function Home() {
  return (
    <>
      <h1>Home</h1>
      <SignedOutOnly><p id="home-signed-out">You are signed out.</p></SignedOutOnly>
      <SignedInOnly><p id="home-signed-in">You are signed in.</p></SignedInOnly>
      <ProfileComponent />
    </>
  );
}
