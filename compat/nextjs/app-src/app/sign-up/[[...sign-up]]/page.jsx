import { SignUp } from '@clerk/nextjs';
import { signUpProps } from '../../../variant/redirects';

export default function SignUpPage() {
  return <SignUp {...signUpProps} />;
}
