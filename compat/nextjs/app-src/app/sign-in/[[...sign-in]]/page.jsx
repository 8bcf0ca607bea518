import { SignIn } from '@clerk/nextjs';
import { signInProps } from '../../../variant/redirects';

export default function SignInPage() {
  return <SignIn {...signInProps} />;
}
